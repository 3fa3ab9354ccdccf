"""Wiring only: nodes, edges and the consultative guardrail, compiled with or without a checkpointer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.consult import consult
from graph.context import Context
from graph.handoff import handoff, hold
from graph.knowledge_node import knowledge
from graph.leads_node import lead
from graph.respond import respond
from graph.routing import route_after_consult, route_after_tool, route_start
from graph.state import InputState, State
from graph.tool_nodes import afford, finance, normalize, search
from graph.visit_nodes import schedule, visits
from tools.leads import Leads
from tools.toolkit import Toolkit

GRAPH_NAME = "kavak_sales_agent"
TOOL_NODES = ("knowledge", "normalize", "afford", "search", "finance", "schedule", "visits", "handoff")
"""Nodes that call tools, in the order a turn's agenda runs them."""


def build_builder(
    toolkit: Toolkit | None = None, leads: Leads | None = None
) -> StateGraph[State, Context, InputState, State]:
    """The uncompiled graph; `toolkit` (default: the process's, from settings) reaches the nodes that need it, and
    `leads` (default: the process's) the lead node."""
    if toolkit is None:
        from graph.resources import get_toolkit

        toolkit = get_toolkit()
    nodes: dict[str, Callable[..., Any]] = {
        "knowledge": knowledge,
        "normalize": normalize,
        "afford": afford,
        "search": search,
        "finance": finance,
        "schedule": schedule,
        "visits": visits,
        "handoff": handoff,
    }
    builder = StateGraph(State, context_schema=Context, input_schema=InputState, output_schema=State)
    builder.add_node("consult", partial(consult, toolkit=toolkit))
    builder.add_node("hold", partial(hold, toolkit=toolkit), destinations=("consult", END))
    for name, node in nodes.items():
        builder.add_node(name, partial(node, toolkit=toolkit))
    builder.add_node("respond", respond)
    builder.add_node("lead", partial(lead, leads=leads))
    builder.add_conditional_edges(START, route_start, ["hold", "consult"])
    builder.add_conditional_edges("consult", route_after_consult, ["respond", *TOOL_NODES])
    for name in TOOL_NODES:
        builder.add_conditional_edges(name, route_after_tool, ["respond", *TOOL_NODES])
    builder.add_edge("respond", "lead")
    builder.add_edge("lead", END)
    return builder


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None, toolkit: Toolkit | None = None, leads: Leads | None = None
) -> CompiledStateGraph[State, Context, InputState, State]:
    """The compiled agent; pass a checkpointer to keep conversations (LangGraph Server brings its own)."""
    return build_builder(toolkit, leads).compile(checkpointer=checkpointer, name=GRAPH_NAME)
