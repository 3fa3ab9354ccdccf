"""The consultative guardrail as a property of the graph: vague turns can reach no tool node."""

from hypothesis import given
from hypothesis import strategies as st

from graph.builder import TOOL_NODES, build_graph
from graph.routing import route_after_consult, route_after_normalize, route_after_search

VAGUE_INTENTS = st.sampled_from(["search", "greeting", "thanks", "other"])


@given(
    intent=VAGUE_INTENTS,
    language=st.sampled_from(["es", "en"]),
    year=st.none() | st.integers(1990, 2030),
    km=st.none() | st.integers(0, 500000),
)
def test_no_budget_no_body_no_brand_goes_straight_to_respond(intent, language, year, km) -> None:
    state = {
        "understanding": {
            "intent": intent,
            "language": language,
            "brand_text": None,
            "min_year": year,
            "max_km": km,
        },
        "preferences": {"min_year": year, "max_km": km},
    }
    assert route_after_consult(state) == "respond"


def test_a_concrete_constraint_opens_the_search_path() -> None:
    for prefs in ({"max_price": 300000}, {"body_type": "suv"}, {"make": "Chevrolet"}, {"model": "Onix"}):
        state = {"understanding": {"intent": "search"}, "preferences": prefs}
        assert route_after_consult(state) == "normalize"
    state = {"understanding": {"intent": "search", "brand_text": "Chebys"}, "preferences": {}}
    assert route_after_consult(state) == "normalize"


def test_manipulation_and_empty_turns_never_reach_tools() -> None:
    for notice in ("injection", "empty", "reference_missing"):
        state = {
            "understanding": {"intent": "finance", "brand_text": "Onix"},
            "notice": notice,
            "selected": {"stock_id": 1, "price": 1},
        }
        assert route_after_consult(state) == "respond"


def test_finance_and_visits_need_a_car() -> None:
    car = {"stock_id": 311726, "price": 226999}
    assert route_after_consult({"understanding": {"intent": "finance"}, "selected": car}) == "finance"
    assert route_after_consult({"understanding": {"intent": "finance"}}) == "respond"
    assert route_after_consult({"understanding": {"intent": "finance", "brand_text": "Onix"}}) == "normalize"
    visit = {"understanding": {"intent": "schedule"}, "selected": car}
    assert route_after_consult(visit) == "respond"  # asks when first
    visit["preferences"] = {"visit_when": "mañana a las 10"}
    assert route_after_consult(visit) == "schedule"


def test_unknown_brand_stops_before_search_and_lookups_continue_to_their_tool() -> None:
    assert route_after_normalize({"brand": {"make": None}}) == "respond"
    assert route_after_normalize({"brand": {"make": "Chevrolet"}}) == "search"
    assert route_after_normalize({}) == "search"
    car = {"stock_id": 1}
    assert route_after_search({"understanding": {"intent": "finance"}, "selected": car}) == "finance"
    assert route_after_search({"understanding": {"intent": "search"}, "selected": car}) == "respond"


def test_graph_edges_leave_respond_only_to_the_end() -> None:
    graph = build_graph().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert {t for s, t in edges if s == "respond"} == {"__end__"}
    assert {t for s, t in edges if s == "consult"} == {"respond", *[n for n in TOOL_NODES if n != "search"]}
    # Every path into a tool node starts at consult's router: there is no edge from START to a tool.
    assert {t for s, t in edges if s == "__start__"} == {"consult"}
