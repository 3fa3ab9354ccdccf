"""Customer identifiers in logs: a short, stable hash instead of the phone number; no library prints one."""

from __future__ import annotations

import hashlib
import logging


def thread_hash(thread_id: str) -> str:
    """First 10 hex digits of sha256(thread_id): follows a thread in logs, hides the number."""
    return hashlib.sha256(thread_id.encode("utf-8")).hexdigest()[:10]


CHATTY_LOGGERS = {"twilio.http_client": logging.WARNING, "urllib3.connectionpool": logging.INFO}
"""Libraries that log request URLs and query strings (which hold customer numbers) at INFO or DEBUG."""


def protect_logs() -> None:
    """Keep customer numbers out of the logs at any level: quiet the loggers that print request URLs."""
    for name, level in CHATTY_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
