"""The consultative guardrail as a property: routers follow the turn's agenda, but a turn without a concrete
constraint never reaches an inventory tool, whatever the agenda says; the same holds over the compiled graph."""

from __future__ import annotations

import uuid
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.checkpoint.memory import InMemorySaver

from graph.builder import TOOL_NODES, build_graph
from graph.routing import (
    CONCRETE_CONSTRAINTS,
    SEARCH_STEPS,
    after,
    allowed,
    has_concrete_constraint,
    next_step,
    route_after_consult,
    route_after_tool,
    route_start,
)
from graph.state import Step
from graph.turn import run_turn

STEPS: tuple[Step, ...] = get_args(Step)
CAR = {"stock_id": 311726, "make": "Chevrolet", "model": "Onix", "price": 226999}
INVENTORY_TOOLS = {
    "normalize_brand",
    "search_inventory",
    "max_price_for_payment",
    "calculate_financing",
    "schedule_visit",
}

AGENDAS = st.lists(st.sampled_from(STEPS), max_size=6, unique=True)
VAGUE_PREFERENCES = st.fixed_dictionaries(
    {},
    optional={
        "term_months": st.sampled_from([36, 48, 60, 72]),
        "down_payment_pct": st.floats(10, 90),
        "down_payment": st.integers(10_000, 200_000),
        "cash": st.booleans(),
        "customer_name": st.sampled_from(["Ana", "Julio Ramos"]),
        "visit_when": st.sampled_from(["mañana a las 10", "el sábado"]),
        "sort": st.sampled_from(["price_asc", "year_desc"]),
        "bluetooth": st.just(False),
    },
)
"""Things a customer may have said that give nothing to search by (no budget, body, make, model, year, km...)."""
VAGUE_UNDERSTANDING = st.fixed_dictionaries(
    {
        "intent": st.sampled_from(["greeting", "search", "finance", "schedule", "visit_change", "thanks", "other"]),
        "language": st.sampled_from(["es", "en"]),
        "brand_texts": st.just([]),
        "sort": st.none(),
        "monthly_payment": st.none(),
    },
    optional={"term_months": st.sampled_from([36, 48]), "formal": st.booleans(), "refers_back": st.booleans()},
)


@given(
    agenda=AGENDAS, preferences=VAGUE_PREFERENCES, understanding=VAGUE_UNDERSTANDING, selected=st.none() | st.just(CAR)
)
def test_no_concrete_constraint_no_inventory_step_whatever_the_agenda(
    agenda: list[Step], preferences: dict[str, Any], understanding: dict[str, Any], selected: dict | None
) -> None:
    state: dict[str, Any] = {"agenda": agenda, "preferences": preferences, "understanding": understanding}
    if selected:
        state["selected"] = selected
    assert not has_concrete_constraint(preferences, understanding)
    for router in (route_after_consult, route_after_tool):
        step = router(state)  # type: ignore[arg-type]
        assert step not in SEARCH_STEPS
        assert step == "respond" or step in agenda


@given(agenda=AGENDAS, notice=st.sampled_from(["injection", "empty", "reference_missing"]))
def test_a_notice_answers_without_any_tool(agenda: list[Step], notice: str) -> None:
    state = {"agenda": agenda, "notice": notice, "preferences": {"max_price": 300000}, "selected": CAR,
             "understanding": {"intent": "finance", "brand_texts": ["Onix"]}}  # fmt: skip
    assert route_after_consult(state) == "respond"  # type: ignore[arg-type]


@pytest.mark.parametrize("key", CONCRETE_CONSTRAINTS)
def test_every_search_filter_alone_is_a_concrete_request(key: str) -> None:
    value = {"make": "Nissan", "model": "Versa", "body_type": "suv", "transmission": "automatic"}.get(key, 1)
    state = {"agenda": ["normalize", "search"], "preferences": {key: value}, "understanding": {"intent": "search"}}
    assert route_after_consult(state) == "normalize"  # type: ignore[arg-type]


def test_a_car_named_an_order_or_a_monthly_budget_opens_the_search_path() -> None:
    for understanding in ({"brand_texts": ["Chebys"]}, {"sort": "price_asc"}, {"monthly_payment": 4500}):
        state = {"agenda": ["normalize", "afford", "search"], "preferences": {}, "understanding": understanding}
        assert route_after_consult(state) == "normalize"  # type: ignore[arg-type]
    years_and_km = {"agenda": ["search"], "preferences": {"min_year": 2018, "max_km": 80000}, "understanding": {}}
    assert route_after_consult(years_and_km) == "search"  # type: ignore[arg-type]  # criteria alone are concrete


def test_payments_and_visits_need_a_car() -> None:
    agenda: list[Step] = ["finance", "schedule"]
    assert next_step({"agenda": agenda}) == "respond"  # type: ignore[typeddict-item]
    assert next_step({"agenda": agenda, "selected": CAR}) == "finance"  # type: ignore[typeddict-item]
    assert next_step({"agenda": ["schedule"], "lookups": [{"mention": 0}]}) == "schedule"  # type: ignore[typeddict-item]
    compared = {"searches": [{"purpose": "compare", "cars": [CAR]}]}
    assert allowed("finance", compared) and not allowed("schedule", compared)  # type: ignore[arg-type]
    affordable = {"searches": [{"purpose": "list", "affordable": True, "cars": [CAR]}]}
    assert allowed("finance", affordable)  # type: ignore[arg-type]
    nothing_found = {"searches": [{"purpose": "lookup", "cars": []}]}
    assert not allowed("finance", nothing_found) and not allowed("schedule", nothing_found)  # type: ignore[arg-type]


def test_routers_follow_the_agenda_skipping_what_the_turn_has_not_earned() -> None:
    state = {"agenda": ["knowledge", "search", "finance", "handoff"], "preferences": {}, "understanding": {}}
    assert route_after_consult(state) == "knowledge"  # type: ignore[arg-type]
    state["agenda"] = after("knowledge", state)  # type: ignore[arg-type]
    assert state["agenda"] == ["search", "finance", "handoff"]
    assert route_after_tool(state) == "handoff"  # type: ignore[arg-type]  # no constraint, no car: both skipped
    assert after("visits", state) == ["search", "finance", "handoff"]  # type: ignore[arg-type]  # not on the agenda


def test_a_thread_held_by_a_person_is_not_answered() -> None:
    assert route_start({"handoff": {"reason": "customer_request"}}) == "hold"  # type: ignore[typeddict-item]
    assert route_start({"handoff": None}) == "consult"  # type: ignore[typeddict-item]


def test_graph_edges_leave_respond_only_to_the_end() -> None:
    graph = build_graph().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert {t for s, t in edges if s == "respond"} == {"lead"}  # the turn's lead is recorded, then the turn ends
    assert {t for s, t in edges if s == "lead"} == {"__end__"}
    assert {t for s, t in edges if s == "consult"} == {"respond", *TOOL_NODES}
    assert {t for s, t in edges if s == "hold"} == {"consult", "__end__"}
    # Every path into a tool node starts at consult's router: there is no edge from START to a tool.
    assert {t for s, t in edges if s == "__start__"} == {"consult", "hold"}


# ----------------------------------------------------------------------------------------- the compiled graph

GREETINGS = ["hola", "buenas", "buenas tardes", "que onda", "hi", "hello", "good morning", "qué tal"]
VAGUE_ASKS = [
    "necesito un carro",
    "quiero comprar un auto",
    "busco coche",
    "ando buscando nave",
    "I need a car",
    "looking for a car",
    "que me recomiendas?",
    "me ayudas a escoger uno?",
    "quiero estrenar",
    "what do you recommend?",
    "quiero cambiar de carro",
    "necesito algo para moverme",
]
FILLERS = ["la verdad", "pues", "xfa", "please", "gracias", "ok", "jaja", "mmm", "oye"]
VAGUE_MESSAGE = st.lists(st.sampled_from(GREETINGS + VAGUE_ASKS + FILLERS), min_size=1, max_size=4).map(
    lambda parts: ", ".join(parts)
)


@pytest.fixture(scope="module")
def compiled():
    return build_graph(InMemorySaver())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=st.lists(VAGUE_MESSAGE, min_size=1, max_size=3))
def test_vague_conversations_reach_no_inventory_tool_through_the_graph(compiled, messages: list[str]) -> None:
    thread = uuid.uuid4().hex
    for text in messages:
        result = run_turn(compiled, thread, text)
        state = compiled.get_state({"configurable": {"thread_id": thread}}).values
        assert not has_concrete_constraint(state.get("preferences") or {}, state.get("understanding") or {}), text
        assert not INVENTORY_TOOLS & {c["name"] for c in result.tool_calls}, text
        assert not SEARCH_STEPS & set(result.route), text
        if (state.get("understanding") or {}).get("intent") == "search" and result.status == "answered":
            assert "?" in result.reply, text  # a vague search is answered with the question that makes it concrete
