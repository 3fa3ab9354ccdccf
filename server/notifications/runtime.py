"""Starting the notification pump where the worker runs: the embedded server, or each Celery worker."""

from __future__ import annotations

import logging
from typing import Any

from graph.resources import get_records_engine
from server.notifications.pump import NotificationPump, channels_from
from server.outbound import TwilioSender
from server.settings import ConfigurationError, ServerSettings
from tools.notifications import Outbox

log = logging.getLogger(__name__)


def check(settings: ServerSettings) -> None:
    """Raise ConfigurationError when the sales settings cannot work (at boot, not at the first lead)."""
    problems = settings.sales_problems()
    if settings.sales_notify_to and not settings.twilio_configured:
        problems.append("SALES_NOTIFY_TO needs the TWILIO_* credentials")
    if problems:
        raise ConfigurationError("; ".join(problems))


def start_pump(settings: ServerSettings) -> NotificationPump:
    """A running pump over the records database's outbox."""
    check(settings)
    sender = TwilioSender(settings) if settings.twilio_configured else None
    pump = NotificationPump(Outbox(get_records_engine(settings)), channels_from(settings, sender), settings)
    return pump.start()


def attach_to_celery(app: Any, settings: ServerSettings) -> None:
    """Run a pump in each `kavak-agent worker` from the moment it is ready until it shuts down."""
    from celery import signals

    check(settings)
    pumps: list[NotificationPump] = []

    def on_ready(**_: Any) -> None:
        pumps.append(start_pump(settings))
        log.info("notification pump started")

    def on_shutdown(**_: Any) -> None:
        while pumps:
            pumps.pop().stop()

    signals.worker_ready.connect(on_ready, weak=False)
    signals.worker_shutdown.connect(on_shutdown, weak=False)
