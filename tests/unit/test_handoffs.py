"""Handoffs: one active per thread, take, release, the staff's queue and the one-time waiting note."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tools.database import make_engine, migrate
from tools.handoffs import HandoffError, Handoffs
from tools.public_ids import ALPHABET

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    return make_engine(url)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Handoffs:
    return Handoffs(engine, clock)


def test_a_request_opens_one_handoff_per_thread_and_refreshes_its_summary(desk: Handoffs, clock: Clock) -> None:
    first = desk.request("t1", "customer_request", {"car": "Onix 2021", "text": "quiero hablar con alguien"})
    assert re.fullmatch(rf"HO-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", first.handoff_id)
    assert (first.status, first.reason, first.created_at) == ("open", "customer_request", NOW)
    clock.now += timedelta(minutes=2)
    again = desk.request("t1", "complaint", {"car": "Onix 2021", "budget": 250000, "name": "Ana"})
    assert again.handoff_id == first.handoff_id and again.reason == "customer_request"
    assert again.summary == {"car": "Onix 2021", "budget": 250000, "name": "Ana"}
    assert again.updated_at == clock.now and again.created_at == NOW
    assert len(desk.list()) == 1
    assert desk.current("t1") == again and desk.current("t2") is None


def test_a_lost_race_refreshes_the_winner(desk: Handoffs, monkeypatch: pytest.MonkeyPatch) -> None:
    winner = desk.request("t1", "complaint", {"text": "first"})
    # The loser found nothing to refresh, then its insert hits the partial unique index: it refreshes the winner.
    real = desk._refresh
    calls_left = [False]
    monkeypatch.setattr(desk, "_refresh", lambda t, s: calls_left.pop() if calls_left else real(t, s))
    loser = desk.request("t1", "complaint", {"text": "second"})
    assert loser.handoff_id == winner.handoff_id and loser.summary == {"text": "second"}
    assert len(desk.list()) == 1


@pytest.mark.parametrize(
    ("thread", "reason", "summary", "message"),
    [
        ("t1", "bored", {}, "reason must be one of"),
        ("", "complaint", {}, "thread_id"),
        ("t1", "complaint", ["not", "an", "object"], "must be an object"),
    ],
)
def test_bad_requests_are_clear_errors(desk: Handoffs, thread: str, reason: str, summary: object, message: str) -> None:
    with pytest.raises(HandoffError, match=message):
        desk.request(thread, reason, summary)  # type: ignore[arg-type]
    assert desk.list() == []


def test_take_and_release(desk: Handoffs, clock: Clock) -> None:
    with pytest.raises(HandoffError, match="no one asked"):
        desk.take("t1", "lucia@dealer.mx")
    desk.request("t1", "credit_decision", {"payment": "crédito"})
    clock.now += timedelta(minutes=3)
    taken = desk.take("t1", "lucia@dealer.mx")
    assert (taken.status, taken.taken_by, taken.taken_at) == ("taken", "lucia@dealer.mx", clock.now)
    assert desk.take("t1", "lucia@dealer.mx") == taken  # the same person again: no change
    with pytest.raises(HandoffError, match=r"lucia@dealer\.mx already took"):
        desk.take("t1", "pedro@dealer.mx")
    assert desk.request("t1", "complaint", {"text": "¿sigue ahí?"}).status == "taken"  # still the same handoff
    clock.now += timedelta(minutes=10)
    released = desk.release("t1", by="lucia@dealer.mx")
    assert released is not None
    assert (released.status, released.released_by, released.released_at) == ("released", "lucia@dealer.mx", clock.now)
    assert desk.current("t1") is None and desk.release("t1") is None
    reopened = desk.request("t1", "customer_request", {})
    assert reopened.handoff_id != released.handoff_id and reopened.status == "open"


def test_the_queue_lists_the_longest_waiting_first(desk: Handoffs, clock: Clock) -> None:
    first = desk.request("t1", "complaint", {})
    clock.now += timedelta(minutes=1)
    second = desk.request("t2", "not_understood", {})
    clock.now += timedelta(minutes=1)
    desk.request("t3", "unknown_question", {})
    desk.take("t3", "pedro")
    clock.now += timedelta(minutes=1)
    desk.request("t4", "customer_request", {})
    desk.release("t4")
    assert [h.handoff_id for h in desk.list("open")] == [first.handoff_id, second.handoff_id]
    assert [h.thread_id for h in desk.list()] == ["t1", "t2", "t3", "t4"]
    assert [h.thread_id for h in desk.list("taken")] == ["t3"]
    with pytest.raises(HandoffError):
        desk.list("lost")  # type: ignore[arg-type]


def test_the_waiting_note_goes_once_to_handoffs_nobody_took(desk: Handoffs, clock: Clock) -> None:
    desk.request("t1", "complaint", {})
    desk.request("t2", "complaint", {})
    desk.take("t2", "pedro")
    clock.now += timedelta(minutes=4)
    desk.request("t3", "complaint", {})
    clock.now += timedelta(minutes=2)
    due = desk.due_for_waiting_note(timedelta(minutes=5))
    assert [h.thread_id for h in due] == ["t1"]
    assert desk.mark_waiting_note_sent(due[0].handoff_id) is True
    assert desk.mark_waiting_note_sent(due[0].handoff_id) is False  # a second worker does not send it again
    assert desk.due_for_waiting_note(timedelta(minutes=5)) == []
    later = clock.now + timedelta(minutes=5)
    assert [h.thread_id for h in desk.due_for_waiting_note(timedelta(minutes=5), now=later)] == ["t3"]
    assert desk.get(due[0].handoff_id.lower()).waiting_note_sent_at == clock.now  # type: ignore[union-attr]
