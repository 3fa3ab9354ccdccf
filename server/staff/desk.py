"""What the staff routes work with, built once per app from the records database and the settings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request
from limits import parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from graph.resources import get_records_engine, get_toolkit
from server.outbound import TwilioSender
from server.services import Services
from server.settings import ServerSettings
from tools.database import utcnow
from tools.handoffs import Handoffs
from tools.leads import Leads
from tools.notifications import Outbox
from tools.staff import StaffAccounts
from tools.staff_replies import StaffReplies
from tools.visits import Visits

_build_lock = threading.Lock()


class LoginLimiter:
    """Failed sign-ins per client address and per account (moving window; in Redis when there is one)."""

    def __init__(self, spec: str, redis_url: str | None) -> None:
        """`spec` in `limits` notation ("5/minute;20/hour")."""
        self.items = parse_many(spec)
        if redis_url:  # shared by every `serve` process; redis-py (already a dependency), not coredis
            storage = storage_from_string(f"async+{redis_url}", implementation="redispy")
        else:
            storage = storage_from_string("async+memory://")
        self.limiter = MovingWindowRateLimiter(storage)

    async def retry_after(self, *keys: str) -> float | None:
        """None while every key may try again; else the seconds until one may."""
        for key in keys:
            for item in self.items:
                if not await self.limiter.test(item, "staff-login", key):
                    stats = await self.limiter.get_window_stats(item, "staff-login", key)
                    return max(1.0, stats.reset_time - time.time())
        return None

    async def failed(self, *keys: str) -> None:
        """Count a failed sign-in against each key."""
        for key in keys:
            for item in self.items:
                await self.limiter.hit(item, "staff-login", key)


@dataclass
class StaffDesk:
    """Records, sender and limiter of the staff side; `clock` is replaceable in tests."""

    services: Services
    accounts: StaffAccounts
    leads: Leads
    handoffs: Handoffs
    visits: Visits
    outbox: Outbox
    replies: StaffReplies
    limiter: LoginLimiter
    clock: Callable[[], datetime] = utcnow
    _sender: TwilioSender | None = field(default=None, repr=False)

    @property
    def settings(self) -> ServerSettings:
        """The app's settings."""
        return self.services.settings

    @property
    def sender(self) -> TwilioSender | None:
        """The outbound WhatsApp sender, or None when Twilio is not configured."""
        if self._sender is None and self.settings.twilio_configured:
            self._sender = TwilioSender(self.settings)
        return self._sender


def build_desk(services: Services) -> StaffDesk:
    """The desk over the records database the agent writes to."""
    settings = services.settings
    engine = get_records_engine(settings)
    visits = get_toolkit(settings).visits
    assert visits is not None
    return StaffDesk(
        services=services,
        accounts=StaffAccounts(engine),
        leads=Leads(engine),
        handoffs=Handoffs(engine),
        visits=visits,
        outbox=Outbox(engine),
        replies=StaffReplies(engine),
        limiter=LoginLimiter(settings.staff_login_rate_limit, settings.redis_url),
    )


def get_desk(request: Request) -> StaffDesk:
    """The app's desk (built on first use, after the lifespan has prepared the services)."""
    state = request.app.state
    desk: StaffDesk | None = getattr(state, "staff_desk", None)
    if desk is None:
        with _build_lock:
            desk = getattr(state, "staff_desk", None)
            if desk is None:
                desk = state.staff_desk = build_desk(state.services)
    return desk
