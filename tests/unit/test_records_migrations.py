"""The records database's schema comes only from Alembic revisions, and they match the tables the code uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from tools.database import (
    alembic_config,
    current_revision,
    head_revision,
    include_name,
    make_engine,
    migrate,
    records_metadata,
)
from tools.inventory import InventoryStore, read_vehicles_csv
from tools.visits import Visits


def differences(engine: Engine) -> list[object]:
    """What autogenerate would write: the tables in the code versus the migrated database."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": True})
        return list(compare_metadata(context, records_metadata))


def test_migrate_builds_the_schema_once_and_it_matches_the_code(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    assert {"visits", "handoffs", "alembic_version"} <= set(inspect(engine).get_table_names())
    assert differences(engine) == []
    migrate(url)  # a second start-up finds nothing to do
    assert current_revision(engine) == head_revision()


def test_every_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(url)
    assert differences(engine) == []


def test_the_inventory_next_door_is_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    store = InventoryStore.from_url(url)
    store.load(read_vehicles_csv())
    migrate(url)
    engine = make_engine(url)
    assert differences(engine) == []  # autogenerate would not propose dropping `vehicles`
    assert store.get(311726) is not None


def test_visits_of_the_earlier_schema_are_adopted_with_new_ids(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old-inventory.sqlite'}"
    store = InventoryStore.from_url(url)
    store.load(read_vehicles_csv())
    engine = make_engine(url)
    with engine.begin() as conn:  # the table earlier versions created next to the vehicles
        conn.execute(
            text(
                "CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, stock_id INTEGER NOT NULL, "
                "customer_name VARCHAR(120), requested_when VARCHAR(120), thread_id VARCHAR(120), "
                "created_at DATETIME NOT NULL)"
            )
        )
        conn.execute(
            text("INSERT INTO visits VALUES (1, 311726, 'Ana', 'sábado 10:00', 'w1', '2026-11-20 15:00:00.000000')")
        )
        conn.execute(text("INSERT INTO visits VALUES (2, 311726, NULL, NULL, NULL, '2026-11-21 15:00:00.000000')"))
    migrate(url)
    assert differences(engine) == []
    visits = Visits(engine, store)
    [ana] = visits.for_thread("w1")
    assert (ana.customer_name, ana.when_text, ana.car, ana.request_key) == (
        "Ana",
        "sábado 10:00",
        "Chevrolet Onix 2021",
        "v0-1",
    )
    assert ana.visit_id.startswith("KV-") and ana.created_at == datetime(2026, 11, 20, 15, tzinfo=UTC)
    assert len(visits.for_thread("unknown")) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM visits_v0")).scalar_one() == 2  # the originals are kept


def test_a_database_that_cannot_be_migrated_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(OSError):
        migrate(f"sqlite:///{blocker / 'records.sqlite'}")


def test_the_records_go_to_database_url_else_next_to_the_inventory_else_to_data_dir(tmp_path: Path) -> None:
    from graph.settings import Settings

    assert Settings(data_dir=tmp_path).records_database_url == f"sqlite:///{tmp_path / 'records.sqlite'}"
    replica = "postgresql+psycopg://reader@replica/kavak"
    assert Settings(data_dir=tmp_path, inventory_url=replica).records_database_url == replica
    primary = "postgresql+psycopg://agent@primary/kavak"
    chosen = Settings(data_dir=tmp_path, inventory_url=replica, database_url=primary)
    assert chosen.records_database_url == primary
    assert Settings(data_dir=tmp_path, database_url="  ").database_url is None  # blank means unset
