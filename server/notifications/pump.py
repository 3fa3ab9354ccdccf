"""The worker's side of the outbox: claim due notifications, deliver each once, retry with backoff, record.

One pump thread runs in every process that delivers (the embedded server, each Celery worker); leases in the
records database keep two pumps off the same row. A notification is retried after 5 s, 10 s, 20 s... (capped)
and recorded as failed after NOTIFY_MAX_ATTEMPTS; the inbox lists failures and can retry them.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from server.notifications.channels import Channel, DeliveryError, WebhookChannel, WhatsAppChannel
from server.outbound import TwilioSender
from server.sales_settings import SalesSettings
from tools.notifications import Notification, Outbox

log = logging.getLogger(__name__)
BATCH = 20


def retry_delay(attempts: int, settings: SalesSettings) -> float:
    """Seconds before attempt `attempts + 1`, after `attempts` failures: doubling from the backoff, capped."""
    return float(min(settings.notify_retry_backoff_s * 2 ** max(attempts - 1, 0), settings.notify_retry_max_s))


def channels_from(settings: SalesSettings, sender: TwilioSender | None) -> dict[str, Channel | str]:
    """Each channel's deliverer, or why it is off (recorded as `skipped`)."""
    base_url = getattr(settings, "public_base_url", None)
    out: dict[str, Channel | str] = {}
    if settings.sales_notify_to and settings.sales_notify_content_sid and sender is not None:
        out["whatsapp"] = WhatsAppChannel(sender, settings.sales_notify_to, settings.sales_notify_content_sid, base_url)
    elif not settings.sales_notify_to:
        out["whatsapp"] = "SALES_NOTIFY_TO is not set"
    else:
        out["whatsapp"] = "Twilio is not configured"
    if settings.leads_webhook_url and settings.leads_webhook_secret is not None:
        secret = settings.leads_webhook_secret.get_secret_value()
        out["webhook"] = WebhookChannel(settings.leads_webhook_url, secret, settings.notify_timeout_s, base_url)
    else:
        out["webhook"] = "LEADS_WEBHOOK_URL is not set"
    return out


class NotificationPump:
    """Delivers the outbox: `run_once()` for one pass, `start()`/`stop()` for a background thread."""

    def __init__(self, outbox: Outbox, channels: dict[str, Channel | str], settings: SalesSettings) -> None:
        """`channels` maps each channel to its deliverer or to the reason it is off."""
        self.outbox = outbox
        self.channels = channels
        self.settings = settings
        self.lease = timedelta(seconds=max(60.0, 3 * settings.notify_timeout_s))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Deliver what is due now; how many notifications were handled."""
        handled = 0
        while not self._stop.is_set():
            batch = self.outbox.claim_due(BATCH, self.lease)
            for notification in batch:
                self._deliver(notification)
            handled += len(batch)
            if len(batch) < BATCH:
                return handled
        return handled

    def _deliver(self, notification: Notification) -> None:
        channel = self.channels.get(notification.channel, f"unknown channel {notification.channel}")
        if isinstance(channel, str):
            self.outbox.skip(notification, channel)
            return
        try:
            ref = channel.deliver(notification)
        except DeliveryError as exc:
            attempts = notification.attempts + 1
            final = not exc.retryable or attempts >= self.settings.notify_max_attempts
            retry_at = None if final else self.outbox.clock() + timedelta(seconds=retry_delay(attempts, self.settings))
            self.outbox.attempt_failed(notification, str(exc), retry_at)
            level = logging.ERROR if final else logging.WARNING
            log.log(
                level,
                "notification %s (%s) attempt %d failed%s: %s",
                notification.notification_id,
                notification.channel,
                attempts,
                " for good" if final else "",
                exc,
            )
            return
        except Exception as exc:  # a bug in a channel must not stop the pump; the row is retried
            log.exception("notification %s raised", notification.notification_id)
            retry_at = self.outbox.clock() + timedelta(seconds=retry_delay(notification.attempts + 1, self.settings))
            self.outbox.attempt_failed(notification, f"{type(exc).__name__}: {exc}", retry_at)
            return
        if not self.outbox.delivered(notification, ref):
            log.warning("notification %s delivered after its lease ended", notification.notification_id)

    def start(self) -> NotificationPump:
        """Deliver in a daemon thread every NOTIFY_POLL_S until `stop()`."""
        self._thread = threading.Thread(target=self._loop, name="notification-pump", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the current delivery and stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for channel in self.channels.values():
            if isinstance(channel, WebhookChannel):
                channel.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("notification pump pass failed; trying again")
            self._stop.wait(self.settings.notify_poll_s)
