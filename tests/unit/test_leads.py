"""Leads: upsert from the conversation's events, status only forward, staff status and notes, the outbox rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tools.database import make_engine, migrate
from tools.leads import LeadError, Leads, forward
from tools.notifications import Outbox, lead_events, notifications

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
THREAD = "whatsapp:+5215512345678"


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    return make_engine(url)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Leads:
    return Leads(engine, clock)


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_quote_creates_a_new_lead_with_the_number_from_the_thread(desk: Leads, engine: Engine) -> None:
    quote = {"price": "226999.00", "down_payment": "45399.80", "term_months": 48, "monthly_payment": "4605.82"}
    lead = desk.record(THREAD, event="quoted", cars=["Chevrolet Onix 2021"], budget="300,000", quote=quote)
    assert lead.lead_id.startswith("LD-") and lead.status == "new"
    assert (lead.channel, lead.phone, lead.budget) == ("whatsapp", "+5215512345678", 300000)
    assert lead.quote == quote and lead.cars == ("Chevrolet Onix 2021",)
    assert desk.get(lead.lead_id.lower().replace("-", " ")) == lead
    assert desk.for_thread(THREAD) == lead
    # A quote is kept in the history but notifies nobody.
    assert count(engine, lead_events) == 1 and count(engine, notifications) == 0


def test_events_update_the_same_lead_and_move_the_status_forward_only(desk: Leads, clock: Clock) -> None:
    first = desk.record(THREAD, event="quoted", cars=["Chevrolet Onix 2021"])
    clock.tick()
    visit = {"visit_id": "KV-7K3Q-9XMA", "when_iso": "2026-11-28T11:00:00-06:00", "branch": "Patio Santa Fe"}
    booked = desk.record(THREAD, event="visit_booked", customer_name="  Ana   López ", visit=visit, cars=["Mazda 3"])
    assert booked.lead_id == first.lead_id and booked.status == "visit_booked"
    assert booked.cars == ("Mazda 3", "Chevrolet Onix 2021") and booked.customer_name == "Ana López"
    clock.tick()
    handed = desk.record(THREAD, event="handed_off")
    assert handed.status == "visit_booked"  # further along already: not moved back
    assert handed.visit == visit and handed.customer_name == "Ana López"  # None keeps what was known
    assert handed.last_event == "handed_off" and handed.last_event_at == clock.now
    assert [lead.lead_id for lead in desk.list()] == [first.lead_id]


def test_won_and_lost_hold_against_later_events(desk: Leads) -> None:
    lead = desk.record(THREAD, event="handed_off")
    assert lead.status == "handed_off"
    lost = desk.set_status(lead.lead_id, "lost", by="ana@dealer.mx")
    assert (lost.status, lost.status_by) == ("lost", "ana@dealer.mx")
    assert desk.record(THREAD, event="visit_booked").status == "lost"
    assert desk.mark_contacted(THREAD, "ana@dealer.mx").status == "lost"  # type: ignore[union-attr]
    reopened = desk.set_status(lead.lead_id, "new", by="ana@dealer.mx")  # staff may correct anything
    assert desk.record(THREAD, event="visit_booked").status == "visit_booked" != reopened.status


def test_forward_is_a_ranking_with_closed_states() -> None:
    assert forward("new", "handed_off") == "handed_off"
    assert forward("handed_off", "contacted") == "contacted"
    assert forward("contacted", "handed_off") == "contacted"
    assert forward("visit_booked", "contacted") == "visit_booked"
    assert forward("won", "visit_booked") == "won"


def test_a_staff_reply_marks_the_lead_contacted_once(desk: Leads, clock: Clock) -> None:
    assert desk.mark_contacted("whatsapp:+5215500000000", "ana") is None  # no lead, nothing to mark
    desk.record(THREAD, event="handed_off")
    clock.tick()
    contacted = desk.mark_contacted(THREAD, "ana")
    assert contacted is not None and contacted.status == "contacted" and contacted.contacted_at == clock.now
    clock.tick()
    again = desk.mark_contacted(THREAD, "luis")
    assert again is not None and again.contacted_at == contacted.contacted_at


def test_notifications_are_queued_with_the_event_in_one_transaction(desk: Leads, engine: Engine) -> None:
    lead = desk.record(THREAD, event="visit_booked", customer_name="Ana", key="SM1")
    outbox = Outbox(engine, lambda: NOW)
    due = outbox.claim_due()
    assert sorted(n.channel for n in due) == ["webhook", "whatsapp"]
    assert {n.event for n in due} == {"visit_booked"} and all(n.lead["lead_id"] == lead.lead_id for n in due)
    assert due[0].lead["customer_name"] == "Ana" and due[0].lead["status"] == "visit_booked"
    assert outbox.claim_due() == []  # leased: nobody else takes them


def test_the_same_event_key_again_changes_nothing_and_notifies_nobody_twice(desk: Leads, engine: Engine) -> None:
    first = desk.record(THREAD, event="handed_off", key="turn-1", customer_name="Ana")
    again = desk.record(THREAD, event="handed_off", key="turn-1", customer_name="Otra")
    assert again.customer_name == "Ana" and again.version == first.version
    assert count(engine, notifications) == 2
    desk.record(THREAD, event="handed_off", key="turn-2")
    assert count(engine, notifications) == 4


def test_a_concurrent_change_is_not_overwritten(desk: Leads, engine: Engine, clock: Clock) -> None:
    lead = desk.record(THREAD, event="quoted")
    other = Leads(engine, clock)
    other.set_status(lead.lead_id, "won", by="luis")
    # `desk` read version 1 before; its next write must see "won" and keep it.
    assert desk.record(THREAD, event="visit_booked").status == "won"


def test_notes_and_listing_by_status_and_date(desk: Leads, clock: Clock) -> None:
    old = desk.record("web:abc", event="quoted")
    assert (old.channel, old.phone) == ("web", None)
    clock.tick(60 * 24 * 3)
    new = desk.record(THREAD, event="handed_off")
    note = desk.add_note(new.lead_id, "  Llamar después de las 5 ", author="ana")
    assert (note.text, note.author) == ("Llamar después de las 5", "ana")
    assert [n.text for n in desk.notes(new.lead_id)] == ["Llamar después de las 5"]
    assert [lead.lead_id for lead in desk.list(status="handed_off")] == [new.lead_id]
    assert [lead.lead_id for lead in desk.list(since=clock.now - timedelta(days=1))] == [new.lead_id]
    assert [lead.lead_id for lead in desk.list()] == [new.lead_id, old.lead_id]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.record("", event="quoted"), "thread_id"),
        (lambda d: d.record(THREAD, event="sold"), "event must be one of"),
        (lambda d: d.record(THREAD, event="quoted", budget="mucho"), "budget"),
        (lambda d: d.record(THREAD, event="quoted", phone="12"), "phone"),
        (lambda d: d.record(THREAD, event="quoted", quote=["x"]), "quote must be an object"),
        (lambda d: d.set_status("LD-0000-0000", "won", by="ana"), "no lead"),
        (lambda d: d.list(status="hot"), "status must be one of"),
    ],
)
def test_bad_input_is_a_clear_error(desk: Leads, call: object, message: str) -> None:
    with pytest.raises(LeadError, match=message):
        call(desk)  # type: ignore[operator]


def test_bad_status_or_empty_note_change_nothing(desk: Leads) -> None:
    lead = desk.record(THREAD, event="quoted")
    with pytest.raises(LeadError):
        desk.set_status(lead.lead_id, "hot", by="ana")  # type: ignore[arg-type]
    with pytest.raises(LeadError):
        desk.add_note(lead.lead_id, "   ", author="ana")
    assert desk.get(lead.lead_id) == lead and desk.notes(lead.lead_id) == []
