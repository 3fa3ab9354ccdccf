"""Wiring only: nodes, edges and the consultative guardrail, compiled with or without a checkpointer."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.consult import consult
from graph.context import Context
from graph.respond import respond
from graph.routing import route_after_consult, route_after_normalize, route_after_search
from graph.state import InputState, State
from graph.tool_nodes import finance, normalize, schedule, search

GRAPH_NAME = "kavak_sales_agent"
TOOL_NODES = ("normalize", "search", "finance", "schedule")


def build_builder() -> StateGraph[State, Context, InputState, State]:
    """The uncompiled graph."""
    builder = StateGraph(State, context_schema=Context, input_schema=InputState)
    builder.add_node("consult", consult)
    builder.add_node("normalize", normalize)
    builder.add_node("search", search)
    builder.add_node("finance", finance)
    builder.add_node("schedule", schedule)
    builder.add_node("respond", respond)
    builder.add_edge(START, "consult")
    builder.add_conditional_edges("consult", route_after_consult, ["respond", "normalize", "finance", "schedule"])
    builder.add_conditional_edges("normalize", route_after_normalize, ["search", "respond"])
    builder.add_conditional_edges("search", route_after_search, ["finance", "schedule", "respond"])
    builder.add_edge("finance", "respond")
    builder.add_edge("schedule", "respond")
    builder.add_edge("respond", END)
    return builder


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[State, Context, InputState, State]:
    """The compiled agent; pass a checkpointer to keep conversations (LangGraph Server brings its own)."""
    return build_builder().compile(checkpointer=checkpointer, name=GRAPH_NAME)
