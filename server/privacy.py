"""Customer identifiers in logs: a short, stable hash instead of the phone number."""

from __future__ import annotations

import hashlib


def thread_hash(thread_id: str) -> str:
    """First 10 hex digits of sha256(thread_id): follows a thread in logs, hides the number."""
    return hashlib.sha256(thread_id.encode("utf-8")).hexdigest()[:10]
