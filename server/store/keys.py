"""Redis key layout. A thread's keys share the hash tag `{<thread id>}`, so they live in one Cluster slot and
the Lua scripts and MULTI blocks that touch several of them work on Redis Cluster as on a single server."""

from __future__ import annotations

PREFIX = "kavak:"
DUE = PREFIX + "{dispatch}:due"
"""Sorted set: thread key -> when its next task is due (now when new work arrives, later while one runs)."""
DUE_THREADS = PREFIX + "{dispatch}:threads"
"""Hash: thread key (opaque) -> thread id, for the threads in DUE."""
WAKE = PREFIX + "{dispatch}:wake"
"""A one-element list the webhook pushes to wake a dispatcher blocked in BLPOP."""
WORKERS = PREFIX + "{workers}"
"""Sorted set: worker name -> last heartbeat (unix time)."""


def _thread(thread_id: str) -> str:
    return f"{PREFIX}{{{thread_id}}}"


def seen(thread_id: str, sid: str) -> str:
    """Dedupe key of an inbound MessageSid (Twilio redelivers a sid with the same From)."""
    return f"{_thread(thread_id)}:seen:{sid}"


def inbox(thread_id: str) -> str:
    """Messages waiting for the thread's next turn."""
    return f"{_thread(thread_id)}:inbox"


def processing(thread_id: str) -> str:
    """Messages claimed by the thread's current (or interrupted) turn."""
    return f"{_thread(thread_id)}:processing"


def lock(thread_id: str) -> str:
    """The thread's turn lock."""
    return f"{_thread(thread_id)}:lock"


def reply(thread_id: str, key: str) -> str:
    """Reply record of the batch that starts with MessageSid `key`."""
    return f"{_thread(thread_id)}:reply:{key}"


def status(sid: str) -> str:
    """Delivery statuses of an outbound message (one key: no slot constraint)."""
    return f"{PREFIX}status:{sid}"
