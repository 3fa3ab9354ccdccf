"""Leads and their outbox on SQLite and a real PostgreSQL: the API, and races between real processes.

Four processes record ten events each on the same customer at once, then two claim the outbox at once. Counted: failed
processes, lead rows, events, notifications, and notifications claimed twice (must be none).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.integration.test_records_database import fresh_postgres, postgres_server  # noqa: F401  (fixture)
from tools.database import make_engine, migrate
from tools.lead_export import write_csv
from tools.leads import Leads, leads
from tools.notifications import Outbox, lead_events, notifications

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
THREAD = "whatsapp:+5215512345678"
PROCESSES, RECORDS = 4, 10

RECORD = """
import pathlib, sys, time
from tools.database import make_engine
from tools.leads import Leads
url, name, count, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
desk = Leads(make_engine(url))
desk.get("LD-0000-0000")  # connected before the start line
(tmp / f"ready-{name}").touch()
while not (tmp / "go").exists():
    time.sleep(0.002)
for i in range(count):
    desk.record("whatsapp:+5215512345678", event="handed_off" if i % 2 else "visit_booked", key=f"{name}-{i}",
                cars=[f"car {name}-{i}"])
"""
CLAIM = """
import json, sys, time
from tools.database import make_engine
from tools.notifications import Outbox
outbox = Outbox(make_engine(sys.argv[1]))
claimed = []
while batch := outbox.claim_due(limit=3):
    claimed += [n.notification_id for n in batch]
print(json.dumps(claimed))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (
        f"sqlite:///{tmp_path / 'records.sqlite'}"
        if request.param == "sqlite"
        else fresh_postgres(request.getfixturevalue("postgres_server"))
    )
    migrate(url)
    return url


def count(url: str, table: object) -> int:
    with make_engine(url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_the_api_round_trips(url: str) -> None:
    desk = Leads(make_engine(url))
    quote = {"price": "226999.00", "monthly_payment": "4605.82", "term_months": 48}
    lead = desk.record(THREAD, event="quoted", customer_name="Ana", budget=300000, quote=quote, cars=["Onix"])
    desk.record(THREAD, event="visit_booked", visit={"visit_id": "KV-7K3Q-9XMA", "branch": "Antara"})
    desk.set_status(lead.lead_id, "won", by="luis")
    desk.add_note(lead.lead_id, "Pagó de contado", author="luis")
    stored = desk.get(lead.lead_id)
    assert stored is not None and stored.status == "won" and stored.quote == quote and stored.budget == 300000
    assert stored.visit == {"visit_id": "KV-7K3Q-9XMA", "branch": "Antara"}
    assert [n.text for n in desk.notes(lead.lead_id)] == ["Pagó de contado"]
    assert desk.list(status="won", since=datetime.now(UTC) - timedelta(minutes=5)) == [stored]
    assert [e.event for e in Outbox(make_engine(url)).events(lead.lead_id)] == ["quoted", "visit_booked"]
    out = Path("leads.csv")
    with out.open("w", newline="", encoding="utf-8") as stream:
        assert write_csv(desk.list(), stream) == 1
    assert "Antara" in out.read_text(encoding="utf-8")


def test_processes_racing_on_one_customer_make_one_lead_and_every_notification_once(url: str, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RECORD, url, f"p{i}", str(RECORDS), str(tmp_path)],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) + sum(p.poll() is not None for p in procs) < PROCESSES:
        assert time.monotonic() < deadline, "processes stuck before the start line"
        time.sleep(0.02)
    (tmp_path / "go").touch()  # all at once
    failures = [p.communicate(timeout=120)[1] for p in procs if p.wait(timeout=120) != 0]
    assert failures == []
    events = PROCESSES * RECORDS
    assert count(url, leads) == 1 and count(url, lead_events) == events
    assert count(url, notifications) == 2 * events
    lead = Leads(make_engine(url)).for_thread(THREAD)
    assert lead is not None and lead.version == events and lead.status == "visit_booked"
    claimers = [
        subprocess.Popen([sys.executable, "-c", CLAIM, url], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    claimed = [json.loads(p.communicate(timeout=120)[0]) for p in claimers]
    every = claimed[0] + claimed[1]
    assert len(every) == len(set(every)) == 2 * events  # none claimed twice, none left out
