"""Run one golden conversation through a fresh agent; collect per-turn outputs and the message trajectory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import langsmith
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import convert_to_openai_messages
from langchain_core.outputs import LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.tracers.context import register_configure_hook
from langgraph.checkpoint.memory import InMemorySaver

from graph.builder import build_graph
from graph.context import Context
from graph.resources import get_toolkit
from graph.turn import run_turn


@dataclass(eq=False)  # callback managers keep handlers in sets: identity hashing
class UsageCounter(BaseCallbackHandler):
    """Counts chat-model calls and tokens of every LangChain model run inside `count_usage()`."""

    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    by_model: dict[str, int] = field(default_factory=dict)

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[Any], **kwargs: Any) -> None:
        """One model call starts."""
        self.llm_calls += 1

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], **kwargs: Any) -> None:
        """A completion-style model call starts."""
        self.llm_calls += 1

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Add the tokens the provider reported."""
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                usage = getattr(message, "usage_metadata", None) or {}
                self.input_tokens += int(usage.get("input_tokens", 0))
                self.output_tokens += int(usage.get("output_tokens", 0))
                name = str((getattr(message, "response_metadata", None) or {}).get("model_name", "unknown"))
                self.by_model[name] = self.by_model.get(name, 0) + int(usage.get("total_tokens", 0))

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def as_dict(self) -> dict[str, int]:
        """JSON view."""
        return {
            "llm_calls": self.llm_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }


_usage_var: ContextVar[UsageCounter | None] = ContextVar("kavak_eval_usage", default=None)
register_configure_hook(_usage_var, inheritable=True)


@contextmanager
def count_usage() -> Iterator[UsageCounter]:
    """Count model calls and tokens of everything run inside the block (graph nodes included)."""
    counter = UsageCounter()
    token = _usage_var.set(counter)
    try:
        yield counter
    finally:
        _usage_var.reset(token)


EVAL_NOW = "2026-11-25T10:00:00-06:00"
"""Evaluations run at a fixed time (a Wednesday at 10:00 in Mexico City), so "el sábado a las 11" is always the
28th: dates in the datasets stay true whenever the suite runs."""


def run_conversation(
    messages: list[str], context: Context | None = None, booked: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Send each message on a new thread of a fresh graph; per turn: reply, route, tool calls, messages.

    `booked`: visits already booked in this chat before the first message (stock_id, customer_name, when)."""
    context = context or Context(now=EVAL_NOW)
    graph = build_graph(InMemorySaver())
    thread_id = f"eval-{uuid.uuid4().hex[:12]}"
    for i, visit in enumerate(booked or []):
        get_toolkit().visits.book(  # type: ignore[union-attr]
            int(visit["stock_id"]),
            thread_id,
            f"seed-{i}",
            visit["customer_name"],
            when_iso=visit["when"],
            now=context.clock(),
        )
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    turns: list[dict[str, Any]] = []
    seen = 0
    with count_usage() as usage:
        for text in messages:
            result = run_turn(graph, thread_id, text, context)
            history = graph.get_state(config).values.get("messages", [])
            turn_messages = convert_to_openai_messages(list(history[seen:]))
            seen = len(history)
            turns.append({"user": text, **result.as_dict(), "messages": turn_messages})
    return {"thread_id": thread_id, "turns": turns, "usage": usage.as_dict()}


def make_target(context: Context | None = None, traced: bool = True) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A `langsmith.evaluate` target: example inputs → the conversation's outputs (untraced in local mode)."""

    def kavak_agent(inputs: dict[str, Any]) -> dict[str, Any]:
        if traced:
            return run_conversation(list(inputs["messages"]), context, inputs.get("booked"))
        with langsmith.tracing_context(enabled=False):
            return run_conversation(list(inputs["messages"]), context, inputs.get("booked"))

    return kavak_agent
