"""What a reply is (its kind, its sections, one question) and the writer that fills templates in the customer's
language and register. Shared by the modules that compose a reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from graph.state import State
from prompts.replies import phrase

ReplyKind = Literal[
    "notice",
    "handoff",
    "knowledge",
    "unknown",
    "results",
    "no_results",
    "compare",
    "affordability",
    "financing",
    "financing_error",
    "visit",
    "car",
    "ask",
    "ask_needs",
    "greet",
    "thanks",
    "other",
    "misunderstood",
]


@dataclass
class Reply:
    """What the reply says: its main kind, its sections in order, and the one question it ends with."""

    kind: ReplyKind = "other"
    sections: list[str] = field(default_factory=list)
    question: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The WhatsApp message: the sections, then the question on its own line."""
        return "\n".join([*(s for s in self.sections if s), *([self.question] if self.question else [])]).strip()


class Writer:
    """Fills templates in the turn's language and register."""

    def __init__(self, state: State) -> None:
        self.language = state.get("language", "es")
        self.formal = bool(state.get("formal"))

    def __call__(self, key: str, **values: Any) -> str:
        return phrase(key, self.language, self.formal, **values)
