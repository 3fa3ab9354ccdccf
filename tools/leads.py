"""Leads: one per customer thread, created or updated when a conversation books a visit, asks for a person or
gets a financing quote; the sales team moves them along (contacted, won, lost) and writes notes.

`record` is an upsert that only moves the status forward (new → handed_off → contacted → visit_booked) and never
away from `won`/`lost`, which only staff set. It writes the lead, its event and the event's notifications in one
transaction (`tools.notifications.enqueue_for`): a lead is never notified about without being stored, nor stored
without its notifications queued. Concurrent writers are resolved by a version column (optimistic), so nothing a
staff member or another process wrote in between is overwritten.
"""

from __future__ import annotations

import builtins
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tools.database import UTCDateTime, records_metadata, utcnow
from tools.lead_fields import (
    MAX_KEY,
    MAX_NAME,
    Channel,
    LeadError,
    channel_of,
    clean_budget,
    clean_name,
    clean_phone,
    json_object,
    phone_of,
    staff_name,
    thread_key,
)
from tools.notifications import enqueue_for, lead_events
from tools.public_ids import new_public_id, parse_public_id

LeadStatus = Literal["new", "contacted", "visit_booked", "handed_off", "won", "lost"]
LeadEvent = Literal["visit_booked", "handed_off", "quoted"]
STATUSES: tuple[str, ...] = get_args(LeadStatus)
EVENTS: tuple[str, ...] = get_args(LeadEvent)
CLOSED: tuple[str, ...] = ("won", "lost")
"""Set by staff only; events never move a lead out of them."""
STAGE = {"new": 0, "handed_off": 1, "contacted": 2, "visit_booked": 3}
"""How far along an open lead is; events and replies only move it forward."""
EVENT_STATUS: dict[str, LeadStatus] = {"visit_booked": "visit_booked", "handed_off": "handed_off", "quoted": "new"}
LEAD_PREFIX = "LD"
MAX_CARS = 10
MAX_NOTE = 2000
ATTEMPTS = 25

leads = Table(
    "leads",
    records_metadata,
    Column("lead_id", String(16), nullable=False),
    Column("thread_id", String(MAX_KEY), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("customer_name", String(MAX_NAME)),
    Column("phone", String(32)),
    Column("cars", JSON, nullable=False),
    Column("budget", BigInteger),
    Column("quote", JSON),
    Column("visit", JSON),
    Column("status", String(16), nullable=False),
    Column("status_by", String(MAX_NAME)),
    Column("last_event", String(16)),
    Column("last_event_at", UTCDateTime()),
    Column("contacted_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("lead_id", name="pk_leads"),
    UniqueConstraint("thread_id", name="uq_leads_thread"),
    Index("ix_leads_status_updated", "status", "updated_at"),
    Index("ix_leads_updated", "updated_at"),
)

lead_notes = Table(
    "lead_notes",
    records_metadata,
    Column("note_id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(16), ForeignKey("leads.lead_id", name="fk_lead_notes_lead"), nullable=False),
    Column("author", String(MAX_NAME), nullable=False),
    Column("text", String(MAX_NOTE), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_lead_notes_lead_created", "lead_id", "created_at"),
)


@dataclass(frozen=True)
class Lead:
    """A customer thread as the sales team sees it."""

    lead_id: str
    thread_id: str
    channel: Channel
    customer_name: str | None
    phone: str | None
    cars: tuple[str, ...]
    budget: int | None
    quote: dict[str, Any] | None
    visit: dict[str, Any] | None
    status: LeadStatus
    status_by: str | None
    last_event: LeadEvent | None
    last_event_at: datetime | None
    contacted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = field(default=1, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO-8601 times): the body of notifications and of the staff API."""
        data = asdict(self)
        data.pop("version")
        data["cars"] = list(self.cars)
        for name in ("last_event_at", "contacted_at", "created_at", "updated_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data


@dataclass(frozen=True)
class Note:
    """A staff note on a lead."""

    note_id: int
    lead_id: str
    author: str
    text: str
    created_at: datetime


class _Conflict(Exception):
    """Another writer changed the lead since we read it: read again."""


class Leads:
    """The leads of the records database. Thread-safe; one per process is enough."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        """`clock` is injectable for tests."""
        self.engine = engine
        self.clock = clock

    def record(
        self,
        thread_id: str,
        *,
        event: LeadEvent,
        channel: Channel | None = None,
        customer_name: str | None = None,
        phone: str | None = None,
        cars: Iterable[str] = (),
        budget: int | Decimal | str | None = None,
        quote: Mapping[str, Any] | None = None,
        visit: Mapping[str, Any] | None = None,
        key: str | None = None,
    ) -> Lead:
        """Create or update the thread's lead for `event` and queue its notifications.

        Given fields replace the stored ones (cars are added, newest first); None keeps them. `key` (the turn id)
        makes the call idempotent: the same (event, key) again changes nothing and notifies nobody twice.
        """
        thread_id = thread_key(thread_id)
        if event not in EVENTS:
            raise LeadError(f"event must be one of {', '.join(EVENTS)}; got {event!r}")
        changes: dict[str, Any] = {
            "customer_name": clean_name(customer_name),
            "phone": clean_phone(phone),
            "budget": clean_budget(budget),
            "quote": json_object(quote, "quote"),
            "visit": json_object(visit, "visit"),
        }
        changes = {name: value for name, value in changes.items() if value is not None}
        new_cars = [" ".join(str(car).split())[:160] for car in cars if str(car).strip()]
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._record_once(thread_id, event, channel, changes, new_cars, key)
            except _Conflict:
                time.sleep(random.uniform(0, 0.002 * attempt))  # let the other writer finish
        raise LeadError("the lead kept changing while it was being recorded; please try again")

    def _record_once(
        self,
        thread_id: str,
        event: LeadEvent,
        channel: Channel | None,
        changes: dict[str, Any],
        new_cars: list[str],
        key: str | None,
    ) -> Lead:
        """One try in one transaction: the row is read FOR UPDATE (PostgreSQL), so writers queue instead of failing."""
        now = self.clock()
        values: dict[str, Any] = {**changes, "last_event": event, "last_event_at": now, "updated_at": now}
        try:
            with self.engine.begin() as conn:
                found = (
                    conn.execute(select(leads).where(leads.c.thread_id == thread_id).with_for_update())
                    .mappings()
                    .first()
                )
                if found is None:
                    row = {**_new_row(thread_id, channel, new_cars, EVENT_STATUS[event], now), **values}
                    conn.execute(insert(leads).values(**row))
                    lead = _lead(row)
                    enqueue_for(conn, event, lead.as_dict(), key=key, now=now)
                    return lead
                current = _lead(dict(found))
                cars = list(dict.fromkeys([*new_cars, *current.cars]))[:MAX_CARS]
                status = forward(current.status, EVENT_STATUS[event])
                values.update(cars=cars, status=status, version=current.version + 1)
                lead = _lead({**_row(current), **values})
                enqueue_for(conn, event, lead.as_dict(), key=key, now=now)
                changed = conn.execute(
                    update(leads)
                    .where(leads.c.lead_id == current.lead_id, leads.c.version == current.version)
                    .values(**values)
                ).rowcount
                if changed != 1:  # SQLite has no row locks: another writer got in between
                    raise _Conflict
                return lead
        except IntegrityError as exc:
            existing = self.for_thread(thread_id)
            if existing is not None and key and self._has_event(existing.lead_id, event, key):
                return existing  # this (event, key) was recorded before: nothing to do
            raise _Conflict from exc  # another process created the lead first (or an id was taken): again

    def _has_event(self, lead_id: str, event: str, key: str) -> bool:
        query = select(lead_events.c.event_id).where(
            lead_events.c.lead_id == lead_id, lead_events.c.event == event, lead_events.c.event_key == key.strip()[:200]
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def get(self, lead_id: str) -> Lead | None:
        """The lead with this id (as staff may type it), or None."""
        canonical = parse_public_id(lead_id, LEAD_PREFIX)
        return self._one(leads.c.lead_id == canonical) if canonical else None

    def for_thread(self, thread_id: str) -> Lead | None:
        """The thread's lead, or None."""
        return self._one(leads.c.thread_id == thread_id)

    def list(
        self, status: LeadStatus | None = None, since: datetime | None = None, limit: int | None = None
    ) -> builtins.list[Lead]:
        """Leads (of one status; active at or after `since`), most recently active first."""
        query = select(leads)
        if status is not None:
            if status not in STATUSES:
                raise LeadError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
            query = query.where(leads.c.status == status)
        if since is not None:
            if since.tzinfo is None:
                raise LeadError("since must be timezone-aware")
            query = query.where(leads.c.updated_at >= since)
        query = query.order_by(leads.c.updated_at.desc(), leads.c.lead_id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_lead(dict(row)) for row in conn.execute(query).mappings()]

    def set_status(self, lead_id: str, status: LeadStatus, by: str) -> Lead:
        """Staff set the status (any status; `won`/`lost` then hold against later events)."""
        if status not in STATUSES:
            raise LeadError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
        lead = self._existing(lead_id)
        values: dict[str, Any] = {"status": status, "status_by": staff_name(by), "updated_at": self.clock()}
        if status == "contacted" and lead.contacted_at is None:
            values["contacted_at"] = values["updated_at"]
        return self._update(lead, values)

    def mark_contacted(self, thread_id: str, by: str) -> Lead | None:
        """A staff member wrote to the customer: `contacted` unless the lead is further along; None without a lead."""
        for _ in range(ATTEMPTS):
            lead = self.for_thread(thread_id)
            if lead is None:
                return None
            now = self.clock()
            values: dict[str, Any] = {"status": forward(lead.status, "contacted"), "updated_at": now}
            if values["status"] != lead.status:
                values["status_by"] = staff_name(by)
            if lead.contacted_at is None:
                values["contacted_at"] = now
            try:
                return self._update(lead, values)
            except _Conflict:
                continue
        raise LeadError("the lead kept changing; please try again")

    def add_note(self, lead_id: str, text: str, author: str) -> Note:
        """Add a staff note to a lead."""
        lead = self._existing(lead_id)
        text = (text or "").strip()
        if not text or len(text) > MAX_NOTE:
            raise LeadError(f"a note must be 1 to {MAX_NOTE} characters")
        now = self.clock()
        with self.engine.begin() as conn:
            inserted = conn.execute(
                insert(lead_notes).values(lead_id=lead.lead_id, author=staff_name(author), text=text, created_at=now)
            ).inserted_primary_key
            assert inserted is not None
            note_id = inserted[0]
            conn.execute(update(leads).where(leads.c.lead_id == lead.lead_id).values(updated_at=now))
        return Note(int(note_id), lead.lead_id, staff_name(author), text, now)

    def notes(self, lead_id: str) -> builtins.list[Note]:
        """A lead's notes, oldest first."""
        query = (
            select(lead_notes)
            .where(lead_notes.c.lead_id == lead_id)
            .order_by(lead_notes.c.created_at, lead_notes.c.note_id)
        )
        with self.engine.connect() as conn:
            return [Note(**row) for row in conn.execute(query).mappings()]

    def _existing(self, lead_id: str) -> Lead:
        lead = self.get(lead_id)
        if lead is None:
            raise LeadError(f"there is no lead {lead_id!r}")
        return lead

    def _update(self, lead: Lead, values: dict[str, Any]) -> Lead:
        values = {**values, "version": lead.version + 1}
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(leads).where(leads.c.lead_id == lead.lead_id, leads.c.version == lead.version).values(**values)
            ).rowcount
        if changed != 1:
            raise _Conflict
        return _lead({**_row(lead), **values})

    def _one(self, condition: Any) -> Lead | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(leads).where(condition)).mappings().first()
        return _lead(dict(row)) if row else None


def forward(current: LeadStatus, proposed: LeadStatus) -> LeadStatus:
    """The status after an event proposes `proposed`: never backwards, never out of won/lost."""
    if current in CLOSED:
        return current
    return proposed if STAGE.get(proposed, -1) > STAGE.get(current, -1) else current


def _new_row(
    thread_id: str, channel: Channel | None, cars: list[str], status: LeadStatus, now: datetime
) -> dict[str, Any]:
    return {
        "lead_id": new_public_id(LEAD_PREFIX),
        "thread_id": thread_id,
        "channel": channel or channel_of(thread_id),
        "customer_name": None,
        "phone": phone_of(thread_id),
        "cars": cars[:MAX_CARS],
        "budget": None,
        "quote": None,
        "visit": None,
        "status": status,
        "status_by": None,
        "contacted_at": None,
        "created_at": now,
        "version": 1,
    }


def _row(lead: Lead) -> dict[str, Any]:
    row = asdict(lead)
    row["cars"] = list(lead.cars)
    return row


def _lead(row: dict[str, Any]) -> Lead:
    return Lead(**{**row, "cars": tuple(row.get("cars") or ())})


__all__ = ["Channel", "Lead", "LeadError", "Leads", "Note", "channel_of", "forward", "phone_of"]
