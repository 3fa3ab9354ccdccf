"""The notifications outbox: leases, attempts, retries at a time, failure for good, staff retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tools.database import make_engine, migrate
from tools.leads import Leads
from tools.notifications import Outbox

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(tmp_path: Path, clock: Clock) -> Outbox:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    engine: Engine = make_engine(url)
    Leads(engine, clock).record("whatsapp:+5215512345678", event="handed_off", customer_name="Ana")
    return Outbox(engine, clock)


def test_a_lease_keeps_others_out_until_it_ends(outbox: Outbox, clock: Clock) -> None:
    first = outbox.claim_due(lease=timedelta(seconds=30))
    assert len(first) == 2 and outbox.claim_due() == []
    clock.now += timedelta(seconds=31)  # the worker died: its rows come back
    second = outbox.claim_due()
    assert {n.notification_id for n in second} == {n.notification_id for n in first}
    # The first worker's late answer is refused: its lease is gone.
    assert outbox.delivered(first[0], "SM1") is False
    assert outbox.delivered(second[0], "SM2") is True
    stored = outbox.get(second[0].notification_id)
    assert stored is not None and (stored.status, stored.attempts, stored.external_ref) == ("delivered", 1, "SM2")


def test_failed_attempts_are_retried_at_their_time_then_fail_for_good(outbox: Outbox, clock: Clock) -> None:
    [one, other] = outbox.claim_due(limit=2)
    assert outbox.delivered(other, "SM1")
    assert outbox.attempt_failed(one, "HTTP 500", retry_at=NOW + timedelta(seconds=10))
    assert [n.notification_id for n in outbox.claim_due()] == []  # not due yet
    clock.now += timedelta(seconds=10)
    [again] = outbox.claim_due()
    assert again.notification_id == one.notification_id and again.attempts == 1
    assert outbox.attempt_failed(again, "HTTP 500 again", retry_at=None)
    [failed] = outbox.failed()
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 2, "HTTP 500 again")
    clock.now += timedelta(hours=1)
    assert outbox.claim_due() == []  # failed for good: never tried again by itself
    assert outbox.retry(failed.notification_id) is True
    [retried] = outbox.claim_due()
    assert retried.notification_id == failed.notification_id and retried.attempts == 0


def test_history_of_a_lead(outbox: Outbox) -> None:
    [n, _] = outbox.claim_due()
    assert outbox.skip(n, "SALES_NOTIFY_TO is not set")
    events = outbox.events(n.lead_id)
    assert [e.event for e in events] == ["handed_off"]
    statuses = {x.channel: x.status for x in outbox.for_lead(n.lead_id)}
    assert statuses[n.channel] == "skipped"
