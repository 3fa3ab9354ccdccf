"""Staff replies to customers, each recorded before it is sent: a message id sent twice is sent once.

The inbox gives every reply form a fresh message id. `begin` claims it (a second submit of the same form, a
double click, a retried request find the first record instead); the sender then records the Twilio SID or the
error. A reply left `sending` means the process stopped between asking Twilio and hearing back: it is shown as
such and never sent again blindly.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, Engine, Index, PrimaryKeyConstraint, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from tools.database import UTCDateTime, records_metadata, utcnow

ReplyKind = Literal["text", "template"]
ReplyStatus = Literal["sending", "sent", "failed"]
MAX_MESSAGE_ID = 64

staff_replies = Table(
    "staff_replies",
    records_metadata,
    Column("message_id", String(MAX_MESSAGE_ID), nullable=False),
    Column("thread_id", String(200), nullable=False),
    Column("staff", String(254), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sid", String(64)),
    Column("error", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("message_id", name="pk_staff_replies"),
    Index("ix_staff_replies_thread_created", "thread_id", "created_at"),
)


@dataclass(frozen=True)
class StaffReply:
    """One reply a staff member sent (or is sending) to a customer."""

    message_id: str
    thread_id: str
    staff: str
    kind: ReplyKind
    body: str
    status: ReplyStatus
    sid: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class StaffReplies:
    """The staff replies of the records database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        """`clock` is injectable for tests."""
        self.engine = engine
        self.clock = clock

    def begin(self, message_id: str, thread_id: str, staff: str, kind: ReplyKind, body: str) -> tuple[StaffReply, bool]:
        """Claim `message_id` for this reply; (the record, True) when new, (the earlier record, False) otherwise."""
        now = self.clock()
        row: dict[str, Any] = {
            "message_id": message_id,
            "thread_id": thread_id,
            "staff": staff,
            "kind": kind,
            "body": body,
            "status": "sending",
            "sid": None,
            "error": None,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(staff_replies).values(**row))
        except IntegrityError:
            earlier = self.get(message_id)
            if earlier is None:  # pragma: no cover - the row that conflicted cannot vanish
                raise
            return earlier, False
        return StaffReply(**row), True

    def sent(self, message_id: str, sid: str) -> None:
        """Twilio accepted the reply."""
        self._set(message_id, status="sent", sid=sid[:64], error=None)

    def failed(self, message_id: str, error: str) -> None:
        """Twilio refused the reply (or kept failing): nothing reached the customer."""
        self._set(message_id, status="failed", error=error[:500])

    def get(self, message_id: str) -> StaffReply | None:
        """The reply with this id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_replies).where(staff_replies.c.message_id == message_id)).mappings().first()
        return StaffReply(**row) if row else None

    def for_thread(self, thread_id: str) -> builtins.list[StaffReply]:
        """A thread's staff replies, oldest first."""
        query = (
            select(staff_replies)
            .where(staff_replies.c.thread_id == thread_id)
            .order_by(staff_replies.c.created_at, staff_replies.c.message_id)
        )
        with self.engine.connect() as conn:
            return [StaffReply(**row) for row in conn.execute(query).mappings()]

    def _set(self, message_id: str, **values: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(staff_replies)
                .where(staff_replies.c.message_id == message_id)
                .values(**values, updated_at=self.clock())
            )
