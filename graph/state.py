"""Conversation state kept per thread by the checkpointer.

TypedDicts come from `typing_extensions` so that `langgraph dev` on Python 3.11 can publish the input and output
schemas (Studio's input form).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

Step = Literal["handoff", "knowledge", "normalize", "afford", "search", "finance", "schedule", "visits"]
"""The work a turn can need, in the order it is done (the agenda)."""
PendingAction = Literal["finance", "schedule", "which_car", "visit_hour", "visit_name", "visit_lookup", "advisor"]
"""A question of ours the next message may answer."""
Notice = Literal["empty", "injection", "reference_missing"]
"""A reply decided in consult, without any tool."""


class Preferences(TypedDict, total=False):
    """What the customer has told us so far; later turns refine it ("¿y en SUV?")."""

    make: str
    model: str
    body_type: str
    min_price: int
    max_price: int
    around_price: int
    min_year: int
    max_year: int
    max_km: int
    transmission: str
    bluetooth: bool
    car_play: bool
    min_seats: int
    all_wheel_drive: bool
    sort: str
    term_months: int
    down_payment_pct: float
    down_payment: int
    monthly_payment: int
    cash: bool
    owned_car: str
    customer_name: str
    visit_when: str
    visit_at: str
    branch: str


class InputState(TypedDict):
    """What a caller sends each turn: the new customer message."""

    messages: Annotated[list[AnyMessage], add_messages]


class State(InputState, total=False):
    """Everything the graph knows about one conversation."""

    language: Literal["es", "en"]
    """Language of the customer's latest meaningful message; replies use it."""
    formal: bool
    """The customer writes with "usted": replies do too."""
    preferences: Preferences
    """Accumulated search, financing and visit preferences."""
    understanding: dict[str, Any]
    """This turn's intent and slots (a dumped `Understanding`)."""
    agenda: list[Step]
    """This turn's remaining work, in order; each node removes its own step."""
    selected: dict[str, Any] | None
    """The car the customer is talking about (an inventory record), if any."""
    shown: list[dict[str, Any]]
    """Cars listed to the customer last, in order, so "el segundo" or "la del 2019" can be resolved."""
    last_list: dict[str, Any] | None
    """The search behind the last list (filters, sort, total): "which of those have CarPlay?" a turn later narrows
    all of its results, not only the five shown."""
    lookups: list[dict[str, Any]]
    """This turn's named cars to look up (model, year, km...), one per car mentioned."""
    pending: PendingAction | None
    """What we asked that the next message may answer (which car, what day and hour)."""
    brands: list[dict[str, Any]]
    """This turn's normalize_brand outputs, one per car name mentioned."""
    searches: list[dict[str, Any]]
    """This turn's search outcomes: filters, counts, cars shown, relaxed alternatives."""
    affordability: dict[str, Any] | None
    """This turn's max_price_for_payment output."""
    financing: list[dict[str, Any]]
    """This turn's calculate_financing outputs (one per car: several when comparing)."""
    visit: dict[str, Any] | None
    """This turn's booking outcome (booked, moved, cancelled, found, or an error)."""
    knowledge: dict[str, Any] | None
    """This turn's answers from the knowledge base (or that the question is unknown)."""
    notice: Notice | None
    """A reply consult decided on directly (empty, injection, reference_missing)."""
    plan: dict[str, Any]
    """This turn's plan details for the reply: intent, topics, candidates to choose from, what is missing."""
    notes: list[str]
    """This turn's things to tell the customer besides the result: not in stock, not accepted, not in the data."""
    handoff: dict[str, Any] | None
    """The open handoff to a person; while it is set the agent stays silent on this thread."""
    misunderstood: int
    """Turns in a row the agent could not understand (two hand the conversation to a person)."""
    unknown_question: bool
    """The last turn asked something the knowledge base cannot answer."""
    booking: dict[str, Any] | None
    """The conversation's active visit, as last booked or changed."""


TURN_KEYS = (
    "understanding",
    "agenda",
    "lookups",
    "brands",
    "searches",
    "affordability",
    "financing",
    "visit",
    "knowledge",
    "notice",
    "notes",
    "plan",
)
"""Keys that describe one turn only; consult resets them at the start of every turn."""
TURN_DEFAULTS: dict[str, Any] = {
    "understanding": {},
    "agenda": [],
    "lookups": [],
    "brands": [],
    "searches": [],
    "affordability": None,
    "financing": [],
    "visit": None,
    "knowledge": None,
    "notice": None,
    "notes": [],
    "plan": {},
}
