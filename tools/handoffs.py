"""Handoffs to a person: a conversation asks for staff, someone takes it, and releases it back to the agent.

At most one handoff per thread is active (open or taken) at a time; asking again while one is active refreshes
its summary instead of queueing a second one, also when two processes ask at once (a partial unique index).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict, get_args

from sqlalchemy import JSON, Column, Engine, Index, PrimaryKeyConstraint, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from tools.database import UTCDateTime, records_metadata, utcnow
from tools.public_ids import new_public_id, parse_public_id

HandoffReason = Literal["customer_request", "complaint", "not_understood", "unknown_question", "credit_decision"]
HandoffStatus = Literal["open", "taken", "released"]
REASONS: tuple[str, ...] = get_args(HandoffReason)
STATUSES: tuple[str, ...] = get_args(HandoffStatus)
HANDOFF_PREFIX = "HO"
MAX_STAFF = 120
ID_ATTEMPTS = 5
_ACTIVE = text("status IN ('open', 'taken')")

handoffs = Table(
    "handoffs",
    records_metadata,
    Column("handoff_id", String(16), nullable=False),
    Column("thread_id", String(200), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("taken_at", UTCDateTime()),
    Column("taken_by", String(MAX_STAFF)),
    Column("released_at", UTCDateTime()),
    Column("released_by", String(MAX_STAFF)),
    Column("waiting_note_sent_at", UTCDateTime()),
    PrimaryKeyConstraint("handoff_id", name="pk_handoffs"),
    Index("uq_handoffs_active_thread", "thread_id", unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
    Index("ix_handoffs_status_created", "status", "created_at"),
)


class HandoffSummary(TypedDict, total=False):
    """What the customer wants, for the person who takes over (any JSON value; these keys are the usual ones)."""

    car: str
    budget: int
    payment: str
    name: str
    text: str


class HandoffError(ValueError):
    """A handoff action that cannot be done, with a message staff (or the agent) can read."""


@dataclass(frozen=True)
class Handoff:
    """One request for a person on a conversation thread and what became of it."""

    handoff_id: str
    thread_id: str
    reason: HandoffReason
    summary: dict[str, Any]
    status: HandoffStatus
    created_at: datetime
    updated_at: datetime
    taken_at: datetime | None
    taken_by: str | None
    released_at: datetime | None
    released_by: str | None
    waiting_note_sent_at: datetime | None

    @property
    def active(self) -> bool:
        """Open or taken: the thread waits for (or talks to) a person."""
        return self.status != "released"


class Handoffs:
    """The handoffs of the records database. Thread-safe; one per process is enough."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        """`clock` is injectable for tests."""
        self.engine = engine
        self.clock = clock

    def request(self, thread_id: str, reason: HandoffReason, summary: Mapping[str, Any]) -> Handoff:
        """Ask for a person; while the thread's handoff is open or taken, return it with the summary refreshed."""
        thread_id = (thread_id or "").strip()
        if not thread_id or len(thread_id) > 200:
            raise HandoffError("thread_id must be 1 to 200 characters")
        if reason not in REASONS:
            raise HandoffError(f"reason must be one of {', '.join(REASONS)}; got {reason!r}")
        payload = _summary(summary)
        for _ in range(ID_ATTEMPTS):
            if self._refresh(thread_id, payload):
                break
            now = self.clock()
            row = {
                "handoff_id": new_public_id(HANDOFF_PREFIX),
                "thread_id": thread_id,
                "reason": reason,
                "summary": payload,
                "status": "open",
                "created_at": now,
                "updated_at": now,
            }
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(handoffs).values(**row))
                break
            except IntegrityError:
                continue  # another process opened one first (refresh it) or the random id was taken
        else:
            raise HandoffError("could not record the handoff; please try again")
        current = self.current(thread_id)
        assert current is not None
        return current

    def get(self, handoff_id: str) -> Handoff | None:
        """The handoff with this id, or None."""
        canonical = parse_public_id(handoff_id, HANDOFF_PREFIX)
        return self._one(handoffs.c.handoff_id == canonical) if canonical else None

    def current(self, thread_id: str) -> Handoff | None:
        """The thread's open or taken handoff, or None when the agent is in charge."""
        return self._one((handoffs.c.thread_id == thread_id) & _ACTIVE)

    def take(self, thread_id: str, staff: str) -> Handoff:
        """A staff member takes the thread's open handoff (taking it again is a no-op for the same person)."""
        staff = " ".join((staff or "").split())[:MAX_STAFF]
        if not staff:
            raise HandoffError("say who takes the conversation")
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                update(handoffs)
                .where(handoffs.c.thread_id == thread_id, handoffs.c.status == "open")
                .values(status="taken", taken_at=now, taken_by=staff, updated_at=now)
            )
        current = self.current(thread_id)
        if current is None:
            raise HandoffError("no one asked for a person on this conversation")
        if current.taken_by != staff:
            raise HandoffError(f"{current.taken_by} already took this conversation")
        return current

    def release(self, thread_id: str, by: str | None = None) -> Handoff | None:
        """Hand the thread back to the agent; returns the released handoff, or None if none was active."""
        current = self.current(thread_id)
        if current is None:
            return None
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                update(handoffs)
                .where(handoffs.c.handoff_id == current.handoff_id, _ACTIVE)
                .values(
                    status="released",
                    released_at=now,
                    released_by=" ".join((by or "").split())[:MAX_STAFF] or None,
                    updated_at=now,
                )
            )
        return self.get(current.handoff_id)

    def list(self, status: HandoffStatus | None = None) -> builtins.list[Handoff]:
        """Handoffs (of one status, or all), oldest first: who has waited longest comes first."""
        query = select(handoffs)
        if status is not None:
            if status not in STATUSES:
                raise HandoffError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
            query = query.where(handoffs.c.status == status)
        return self._many(query.order_by(handoffs.c.created_at, handoffs.c.handoff_id))

    def due_for_waiting_note(self, older_than: timedelta, now: datetime | None = None) -> builtins.list[Handoff]:
        """Open handoffs nobody took within `older_than` whose customer has not had the waiting note yet."""
        cutoff = (now or self.clock()) - older_than
        query = (
            select(handoffs)
            .where(
                handoffs.c.status == "open",
                handoffs.c.waiting_note_sent_at.is_(None),
                handoffs.c.created_at <= cutoff,
            )
            .order_by(handoffs.c.created_at, handoffs.c.handoff_id)
        )
        return self._many(query)

    def mark_waiting_note_sent(self, handoff_id: str, at: datetime | None = None) -> bool:
        """Record the waiting note; True only for the one caller that marked it (so it is sent once)."""
        with self.engine.begin() as conn:
            marked = conn.execute(
                update(handoffs)
                .where(handoffs.c.handoff_id == handoff_id, handoffs.c.waiting_note_sent_at.is_(None))
                .values(waiting_note_sent_at=at or self.clock())
            ).rowcount
        return marked == 1

    def _refresh(self, thread_id: str, summary: dict[str, Any]) -> bool:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(handoffs)
                .where(handoffs.c.thread_id == thread_id, _ACTIVE)
                .values(summary=summary, updated_at=self.clock())
            ).rowcount
        return changed > 0

    def _one(self, condition: Any) -> Handoff | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(handoffs).where(condition)).mappings().first()
        return Handoff(**row) if row else None

    def _many(self, query: Any) -> builtins.list[Handoff]:
        with self.engine.connect() as conn:
            return [Handoff(**row) for row in conn.execute(query).mappings()]


def _summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(summary, Mapping):
        raise HandoffError("the summary must be an object")
    try:
        return dict(json.loads(json.dumps(dict(summary), ensure_ascii=False, default=str)))
    except (TypeError, ValueError) as exc:
        raise HandoffError(f"the summary cannot be stored: {exc}") from exc
