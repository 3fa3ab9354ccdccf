"""Conversation state kept per thread by the checkpointer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

PendingAction = Literal["finance", "schedule"]


class Preferences(TypedDict, total=False):
    """What the customer has told us so far; later turns refine it ("y en SUV?")."""

    make: str
    model: str
    body_type: str
    min_price: int
    max_price: int
    min_year: int
    max_year: int
    max_km: int
    term_months: int
    down_payment_pct: float
    down_payment: int
    customer_name: str
    visit_when: str


class InputState(TypedDict):
    """What a caller sends each turn: the new customer message."""

    messages: Annotated[list[AnyMessage], add_messages]


class State(InputState, total=False):
    """Everything the graph knows about one conversation."""

    language: Literal["es", "en"]
    """Language of the customer's latest meaningful message; replies use it."""
    preferences: Preferences
    """Accumulated search and financing preferences."""
    understanding: dict[str, Any]
    """This turn's intent and slots (a dumped `Understanding`)."""
    selected: dict[str, Any] | None
    """The car the customer is talking about (an inventory record), if any."""
    shown: list[dict[str, Any]]
    """Cars listed to the customer last, in order, so "el segundo" can be resolved."""
    pending: PendingAction | None
    """What the customer asked for that is waiting on an answer (which car, what day)."""
    brand: dict[str, Any] | None
    """This turn's normalize_brand output."""
    search: dict[str, Any] | None
    """This turn's search outcome: filters, results, total, relaxed alternatives."""
    financing: dict[str, Any] | None
    """This turn's calculate_financing output (a plan or an error)."""
    visit: dict[str, Any] | None
    """This turn's schedule_visit output."""
    notice: str | None
    """A reply kind consult decided on directly (empty, injection, reference_missing...)."""


TURN_KEYS = ("understanding", "brand", "search", "financing", "visit", "notice")
"""Keys that describe one turn only; consult resets them at the start of every turn."""
