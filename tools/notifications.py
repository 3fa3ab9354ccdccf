"""The sales team's notifications as a durable outbox: the turn writes rows, a worker delivers them.

Every lead event is kept (`lead_events`: the lead as it was, for history and for the body of notifications).
Events the team must hear about (a booked visit, a request for a person) also get one `notifications` row per
channel (a WhatsApp template to the salesperson, a signed webhook to a CRM), written in the same transaction as
the lead. Workers claim due rows with a lease (so two workers never deliver one row at the same time, and a worker
that dies frees its rows when the lease ends), and record each attempt: delivered, retried later, or failed.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    insert,
    or_,
    select,
    update,
)

from tools.database import UTCDateTime, records_metadata, utcnow
from tools.public_ids import new_public_id

NotificationChannel = Literal["whatsapp", "webhook"]
NotificationStatus = Literal["pending", "delivered", "failed", "skipped"]
CHANNELS: tuple[NotificationChannel, ...] = get_args(NotificationChannel)
NOTIFY_EVENTS = ("visit_booked", "handed_off")
"""Lead events the sales team is told about; others (quotes) are only kept."""
EVENT_PREFIX = "EV"
MAX_ERROR = 500

lead_events = Table(
    "lead_events",
    records_metadata,
    Column("event_id", String(16), nullable=False),
    Column("lead_id", String(16), ForeignKey("leads.lead_id", name="fk_lead_events_lead"), nullable=False),
    Column("event", String(16), nullable=False),
    Column("event_key", String(200)),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("event_id", name="pk_lead_events"),
    UniqueConstraint("lead_id", "event", "event_key", name="uq_lead_events_key"),
    Index("ix_lead_events_lead_created", "lead_id", "created_at"),
)

notifications = Table(
    "notifications",
    records_metadata,
    Column("notification_id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(16), ForeignKey("lead_events.event_id", name="fk_notifications_event"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_until", UTCDateTime()),
    Column("lease_token", String(32)),
    Column("last_error", String(MAX_ERROR)),
    Column("external_ref", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime()),
    UniqueConstraint("event_id", "channel", name="uq_notifications_event_channel"),
    Index("ix_notifications_status_due", "status", "next_attempt_at"),
)


def enqueue_for(
    conn: Connection, event: str, lead: Mapping[str, Any], *, key: str | None = None, now: datetime | None = None
) -> str:
    """Keep the event with the lead as it is now and queue its notifications, in the caller's transaction.

    Raises IntegrityError when (lead, event, key) was recorded before: the caller rolls back and notifies nobody.
    """
    now = now or utcnow()
    event_id = new_public_id(EVENT_PREFIX)
    conn.execute(
        insert(lead_events).values(
            event_id=event_id,
            lead_id=lead["lead_id"],
            event=event,
            event_key=(key or "").strip()[:200] or None,
            payload=dict(lead),
            created_at=now,
        )
    )
    if event in NOTIFY_EVENTS:
        rows = [
            {
                "event_id": event_id,
                "channel": channel,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for channel in CHANNELS
        ]
        conn.execute(insert(notifications), rows)
    return event_id


@dataclass(frozen=True)
class Notification:
    """One channel's delivery of one lead event, with the event it carries."""

    notification_id: int
    event_id: str
    event: str
    lead_id: str
    lead: dict[str, Any]
    """The lead as it was when the event happened."""
    channel: NotificationChannel
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    external_ref: str | None
    occurred_at: datetime
    delivered_at: datetime | None
    lease_token: str | None = None


@dataclass(frozen=True)
class LeadEventRecord:
    """An event in a lead's history."""

    event_id: str
    event: str
    created_at: datetime


class Outbox:
    """The delivery side of the notifications. Thread-safe; any number of workers may share a database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        """`clock` is injectable for tests."""
        self.engine = engine
        self.clock = clock

    def claim_due(self, limit: int = 20, lease: timedelta = timedelta(minutes=2)) -> builtins.list[Notification]:
        """Take up to `limit` pending notifications whose time has come, for `lease`; others cannot take them."""
        now = self.clock()
        free = or_(notifications.c.lease_until.is_(None), notifications.c.lease_until < now)
        due = (
            select(notifications.c.notification_id)
            .where(notifications.c.status == "pending", notifications.c.next_attempt_at <= now, free)
            .order_by(notifications.c.next_attempt_at, notifications.c.notification_id)
            .limit(limit)
        )
        claimed: list[tuple[int, str]] = []
        with self.engine.connect() as conn:
            candidates = list(conn.execute(due).scalars())
        for notification_id in candidates:
            token = secrets.token_hex(16)
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(notifications)
                    .where(notifications.c.notification_id == notification_id, notifications.c.status == "pending")
                    .where(free)
                    .values(lease_until=now + lease, lease_token=token)
                ).rowcount
            if taken == 1:
                claimed.append((notification_id, token))
        ids = [notification_id for notification_id, _ in claimed]
        found = {n.notification_id: n for n in self._query(notifications.c.notification_id.in_(ids))}
        return [_with_token(found[i], token) for i, token in claimed if i in found]

    def delivered(self, notification: Notification, external_ref: str | None) -> bool:
        """Record a delivery; False when the lease was lost (another worker took over)."""
        now = self.clock()
        return self._finish(
            notification,
            status="delivered",
            attempts=notification.attempts + 1,
            external_ref=(external_ref or "")[:64] or None,
            delivered_at=now,
            last_error=None,
        )

    def attempt_failed(self, notification: Notification, error: str, retry_at: datetime | None) -> bool:
        """Record a failed attempt: tried again at `retry_at`, or failed for good when it is None."""
        values: dict[str, Any] = {"attempts": notification.attempts + 1, "last_error": error[:MAX_ERROR]}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values.update(status="pending", next_attempt_at=retry_at)
        return self._finish(notification, **values)

    def skip(self, notification: Notification, reason: str) -> bool:
        """The channel is not configured: recorded as skipped, never tried."""
        return self._finish(notification, status="skipped", last_error=reason[:MAX_ERROR])

    def retry(self, notification_id: int) -> bool:
        """Staff ask to try a failed notification again (from now, with a fresh count)."""
        now = self.clock()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(notifications)
                .where(notifications.c.notification_id == notification_id, notifications.c.status == "failed")
                .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now, lease_until=None)
            ).rowcount
        return changed == 1

    def get(self, notification_id: int) -> Notification | None:
        """One notification."""
        found = self._query(notifications.c.notification_id == notification_id)
        return found[0] if found else None

    def failed(self, limit: int = 50) -> builtins.list[Notification]:
        """Notifications that failed for good, newest first (the inbox shows them)."""
        return self._query(notifications.c.status == "failed", newest_first=True, limit=limit)

    def for_lead(self, lead_id: str) -> builtins.list[Notification]:
        """A lead's notifications, newest first."""
        return self._query(lead_events.c.lead_id == lead_id, newest_first=True)

    def events(self, lead_id: str) -> builtins.list[LeadEventRecord]:
        """A lead's events, oldest first."""
        query = (
            select(lead_events.c.event_id, lead_events.c.event, lead_events.c.created_at)
            .where(lead_events.c.lead_id == lead_id)
            .order_by(lead_events.c.created_at, lead_events.c.event_id)
        )
        with self.engine.connect() as conn:
            return [LeadEventRecord(**row) for row in conn.execute(query).mappings()]

    def _finish(self, notification: Notification, **values: Any) -> bool:
        values.update(updated_at=self.clock(), lease_until=None, lease_token=None)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(notifications)
                .where(
                    notifications.c.notification_id == notification.notification_id,
                    notifications.c.lease_token == notification.lease_token,
                )
                .values(**values)
            ).rowcount
        return changed == 1

    def _query(self, condition: Any, newest_first: bool = False, limit: int | None = None) -> list[Notification]:
        query = (
            select(
                notifications,
                lead_events.c.event,
                lead_events.c.lead_id,
                lead_events.c.payload,
                lead_events.c.created_at.label("occurred_at"),
            )
            .join(lead_events, lead_events.c.event_id == notifications.c.event_id)
            .where(condition)
        )
        order = notifications.c.notification_id
        query = query.order_by(order.desc() if newest_first else order)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_notification(dict(row)) for row in conn.execute(query).mappings()]


def _notification(row: dict[str, Any]) -> Notification:
    return Notification(
        notification_id=int(row["notification_id"]),
        event_id=row["event_id"],
        event=row["event"],
        lead_id=row["lead_id"],
        lead=dict(row["payload"]),
        channel=row["channel"],
        status=row["status"],
        attempts=int(row["attempts"]),
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        external_ref=row["external_ref"],
        occurred_at=row["occurred_at"],
        delivered_at=row["delivered_at"],
        lease_token=row["lease_token"],
    )


def _with_token(notification: Notification, token: str) -> Notification:
    return Notification(**{**notification.__dict__, "lease_token": token})
