"""Booked visits: book (idempotently), look up, reschedule, cancel, name, and list them for the staff.

A booking is keyed by its conversation thread and the request that made it (the inbound message): a turn run
again after a crash returns the first booking instead of writing a second one, also when two processes race.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Engine,
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
from tools.public_ids import new_public_id, parse_public_id
from tools.text import fold

VisitStatus = Literal["booked", "cancelled"]
DEALER_TZ = ZoneInfo("America/Mexico_City")
"""Visit times are confirmed to customers in the dealer's time zone."""
VISIT_PREFIX = "KV"
MAX_NAME = 120
MAX_TEXT = 200
MAX_KEY = 200
ID_ATTEMPTS = 5

visits = Table(
    "visits",
    records_metadata,
    Column("visit_id", String(16), nullable=False),
    Column("thread_id", String(MAX_KEY), nullable=False),
    Column("request_key", String(MAX_KEY), nullable=False),
    Column("stock_id", Integer, nullable=False),
    Column("car", String(160), nullable=False),
    Column("customer_name", String(MAX_NAME)),
    Column("when_at", UTCDateTime()),
    Column("when_text", String(MAX_TEXT)),
    Column("branch", String(MAX_NAME)),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("visit_id", name="pk_visits"),
    UniqueConstraint("thread_id", "request_key", name="uq_visits_thread_request"),
    Index("ix_visits_thread_created", "thread_id", "created_at"),
    Index("ix_visits_when", "when_at"),
)


class VisitError(ValueError):
    """A booking that cannot be made or changed, with a message the agent can relay."""


class VisitNotFoundError(VisitError):
    """No visit with that id (in that conversation)."""


class CarLookup(Protocol):
    """What visits need from the inventory: the car behind a stock id (`InventoryStore` is one)."""

    def get(self, stock_id: int) -> Any: ...


@dataclass(frozen=True)
class Visit:
    """One booked (or cancelled) visit to see a car; `when_iso` is in America/Mexico_City."""

    visit_id: str
    thread_id: str
    stock_id: int
    car: str
    customer_name: str | None
    when_iso: str | None
    when_text: str | None
    branch: str | None
    status: VisitStatus
    request_key: str
    created_at: datetime
    updated_at: datetime

    @property
    def when(self) -> datetime | None:
        """The visit time as an aware datetime in the dealer's time zone."""
        return datetime.fromisoformat(self.when_iso) if self.when_iso else None

    def as_tool_output(self) -> dict[str, Any]:
        """What the schedule tool returns (the customer's own words under `when`)."""
        return {
            "visit_id": self.visit_id,
            "status": self.status,
            "stock_id": self.stock_id,
            "car": self.car,
            "customer_name": self.customer_name,
            "when": self.when_text,
            "when_iso": self.when_iso,
            "branch": self.branch,
        }


class Visits:
    """The visits of the records database. Thread-safe; one per process is enough."""

    def __init__(self, engine: Engine, cars: CarLookup, clock: Callable[[], datetime] = utcnow) -> None:
        """`cars` finds the car of a booking (the inventory); `clock` is injectable for tests."""
        self.engine = engine
        self.cars = cars
        self.clock = clock

    def book(
        self,
        stock_id: int,
        thread_id: str,
        request_key: str,
        customer_name: str | None = None,
        when_iso: str | datetime | None = None,
        when_text: str | None = None,
        branch: str | None = None,
        now: datetime | None = None,
    ) -> Visit:
        """Book a visit to a car in stock; the same (thread, request_key) again returns the first booking.

        `now` (default: the clock) is the moment the time must be after."""
        thread_id = _required(thread_id, "thread_id")
        request_key = _required(request_key, "request_key")
        existing = self._by_request(thread_id, request_key)
        if existing is not None:
            return existing
        stock_id = _stock_id(stock_id)
        car = self.cars.get(stock_id)
        if car is None:
            raise VisitError(f"no car with stock_id {stock_id} is in stock")
        now = now or self.clock()
        row = {
            "thread_id": thread_id,
            "request_key": request_key,
            "stock_id": stock_id,
            "car": str(car.title)[:160],
            "customer_name": clean_name(customer_name),
            "when_at": self._future(when_iso, now),
            "when_text": _text(when_text),
            "branch": _text(branch, MAX_NAME),
            "status": "booked",
            "created_at": now,
            "updated_at": now,
        }
        for _ in range(ID_ATTEMPTS):
            row["visit_id"] = new_public_id(VISIT_PREFIX)
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(visits).values(**row))
            except IntegrityError:
                # Either another process booked this request first (return its booking) or the random id was
                # taken (draw another).
                existing = self._by_request(thread_id, request_key)
                if existing is not None:
                    return existing
                continue
            return _visit(row)
        raise VisitError("could not allocate a visit id; please try again")

    def get(self, visit_id: str) -> Visit | None:
        """The visit with this id as a customer may type it ("kv 7k3q 9xma"), or None."""
        canonical = parse_public_id(visit_id, VISIT_PREFIX)
        if canonical is None:
            return None
        return self._one(visits.c.visit_id == canonical)

    def for_thread(self, thread_id: str, active_only: bool = True) -> list[Visit]:
        """The conversation's visits, newest first (booked ones only unless `active_only` is False)."""
        query = select(visits).where(visits.c.thread_id == thread_id)
        if active_only:
            query = query.where(visits.c.status == "booked")
        return self._many(query.order_by(visits.c.created_at.desc(), visits.c.visit_id))

    def find(self, thread_id: str, customer_name: str, active_only: bool = True) -> list[Visit]:
        """The conversation's visits booked under a name ("a nombre de Julio Ramos"), accents and case ignored.

        Every word the customer gave must be in the booked name, or every booked word in theirs ("Julio" finds
        "Julio Ramos"; "Julio Ramos Pérez" finds "Julio Ramos").
        """
        wanted = set(fold(customer_name).split())
        if not wanted:
            return []
        out = []
        for visit in self.for_thread(thread_id, active_only):
            booked = set(fold(visit.customer_name or "").split())
            if booked and (wanted <= booked or booked <= wanted):
                out.append(visit)
        return out

    def reschedule(
        self,
        visit_id: str,
        when_iso: str | datetime | None,
        when_text: str | None,
        *,
        thread_id: str | None = None,
        now: datetime | None = None,
    ) -> Visit:
        """Move a booked visit to another time; with `thread_id`, only a visit of that conversation."""
        if when_iso is None and not (when_text or "").strip():
            raise VisitError("say when the visit should be instead")
        values = {"when_at": self._future(when_iso, now), "when_text": _text(when_text)}
        return self._change(visit_id, thread_id, values, "a cancelled visit cannot be moved; book a new one")

    def cancel(self, visit_id: str, *, thread_id: str | None = None) -> Visit:
        """Cancel a visit (cancelling it again changes nothing); with `thread_id`, only one of that conversation."""
        visit = self._owned(visit_id, thread_id)
        if visit.status == "cancelled":
            return visit
        return self._change(visit.visit_id, thread_id, {"status": "cancelled"}, "")

    def set_customer_name(self, thread_id: str, name: str) -> list[Visit]:
        """Put the customer's name on the conversation's booked visits; returns them, newest first."""
        cleaned = clean_name(name)
        if cleaned is None:
            raise VisitError("the name is empty")
        with self.engine.begin() as conn:
            conn.execute(
                update(visits)
                .where(visits.c.thread_id == thread_id, visits.c.status == "booked")
                .values(customer_name=cleaned, updated_at=self.clock())
            )
        return self.for_thread(thread_id)

    def between(self, start: datetime, end: datetime) -> list[Visit]:
        """Booked visits with a time in [start, end), soonest first (the staff's "today" or "this week")."""
        if start.tzinfo is None or end.tzinfo is None:
            raise VisitError("start and end must be timezone-aware")
        query = (
            select(visits)
            .where(visits.c.status == "booked", visits.c.when_at >= start, visits.c.when_at < end)
            .order_by(visits.c.when_at, visits.c.visit_id)
        )
        return self._many(query)

    def _change(self, visit_id: str, thread_id: str | None, values: dict[str, Any], refused: str) -> Visit:
        visit = self._owned(visit_id, thread_id)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(visits)
                .where(visits.c.visit_id == visit.visit_id, visits.c.status == "booked")
                .values(**values, updated_at=self.clock())
            ).rowcount
        if not changed:
            raise VisitError(refused or f"visit {visit.visit_id} cannot be changed")
        result = self.get(visit.visit_id)
        assert result is not None
        return result

    def _owned(self, visit_id: str, thread_id: str | None) -> Visit:
        visit = self.get(visit_id)
        if visit is None or (thread_id is not None and visit.thread_id != thread_id):
            raise VisitNotFoundError(f"there is no visit {visit_id!r}")
        return visit

    def _future(self, when: str | datetime | None, now: datetime | None = None) -> datetime | None:
        moment = parse_when(when)
        if moment is not None and moment < (now or self.clock()):
            local = moment.astimezone(DEALER_TZ).strftime("%Y-%m-%d %H:%M")
            raise VisitError(f"{local} has already passed; choose a later time")
        return moment

    def _by_request(self, thread_id: str, request_key: str) -> Visit | None:
        return self._one((visits.c.thread_id == thread_id) & (visits.c.request_key == request_key))

    def _one(self, condition: Any) -> Visit | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(visits).where(condition)).mappings().first()
        return _visit(dict(row)) if row else None

    def _many(self, query: Any) -> list[Visit]:
        with self.engine.connect() as conn:
            return [_visit(dict(row)) for row in conn.execute(query).mappings()]


def parse_when(when: str | datetime | None) -> datetime | None:
    """An aware datetime from ISO-8601 text or a datetime; without an offset it is Mexico City's local time."""
    if when is None or (isinstance(when, str) and not when.strip()):
        return None
    if isinstance(when, str):
        try:
            moment = datetime.fromisoformat(when.strip())
        except ValueError as exc:
            raise VisitError(f"{when!r} is not an ISO-8601 date and time (e.g. 2026-11-28T11:00-06:00)") from exc
    else:
        moment = when
    return moment.replace(tzinfo=DEALER_TZ) if moment.tzinfo is None else moment


def clean_name(name: str | None) -> str | None:
    """A customer's name with spaces collapsed, cut to the column's size; None when blank."""
    cleaned = " ".join((name or "").split())
    return cleaned[:MAX_NAME] or None


def _text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    cleaned = " ".join((value or "").split())
    return cleaned[:limit] or None


def _required(value: str, name: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value or len(value) > MAX_KEY:
        raise VisitError(f"{name} must be 1 to {MAX_KEY} characters")
    return value


def _stock_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise VisitError(f"stock_id must be a number; got {value!r}") from exc


def _visit(row: dict[str, Any]) -> Visit:
    when: datetime | None = row["when_at"]
    return Visit(
        visit_id=row["visit_id"],
        thread_id=row["thread_id"],
        stock_id=int(row["stock_id"]),
        car=row["car"],
        customer_name=row["customer_name"],
        when_iso=when.astimezone(DEALER_TZ).isoformat() if when else None,
        when_text=row["when_text"],
        branch=row["branch"],
        status=row["status"],
        request_key=row["request_key"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
