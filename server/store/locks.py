"""Per-thread turn locks: one turn of a thread at a time, across threads, processes and machines.

A lock is a lease with a TTL, renewed in the background while its holder works, so a holder that dies frees
the thread after at most one TTL. Redis: redis-py's `Lock` (random token, PEXPIRE-based extend and release in
Lua, one key: Cluster-safe). Embedded mode: leases in the process's memory (one process serves everything).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import LockError

from server.privacy import thread_hash
from server.store import keys
from server.store.clients import RedisConnections

log = logging.getLogger(__name__)


class ThreadBusy(RuntimeError):
    """Another turn holds the thread's lock."""


class Lease(ABC):
    """A held lock; `lost` is set when a renewal found it taken over (its TTL ran out)."""

    def __init__(self, thread_id: str) -> None:
        """Not lost yet."""
        self.thread_id = thread_id
        self.lost = threading.Event()

    @abstractmethod
    def extend(self, ttl_s: float) -> bool:
        """Reset the TTL to `ttl_s`; False when the lock is no longer ours."""

    @abstractmethod
    def release(self) -> None:
        """Free the lock if it is still ours."""


class Locks(ABC):
    """Hands out leases on thread ids."""

    @abstractmethod
    def try_acquire(self, thread_id: str, ttl_s: float) -> Lease | None:
        """Take the lock for `ttl_s` seconds, or None when another holder has it."""

    @contextmanager
    def hold(self, thread_id: str, ttl_s: float, wait_s: float = 0.0) -> Iterator[Lease]:
        """Hold the thread's lock for the block, renewing it every third of `ttl_s`.

        Waits up to `wait_s` for a busy lock, then raises ThreadBusy. Check `lease.lost` between steps of a
        long block: once set, another holder may be running.
        """
        deadline = time.monotonic() + wait_s
        while (lease := self.try_acquire(thread_id, ttl_s)) is None:
            if time.monotonic() >= deadline:
                raise ThreadBusy(thread_id)
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(ttl_s / 3):
                try:
                    if lease.extend(ttl_s):
                        continue
                except redis.RedisError as exc:  # Redis briefly away: try again at the next beat
                    log.warning("could not renew the lock of thread=%s: %s", thread_hash(thread_id), exc)
                    continue
                log.warning("lost the lock of thread=%s", thread_hash(thread_id))
                lease.lost.set()
                return

        keeper = threading.Thread(target=renew, name="lock-lease", daemon=True)
        keeper.start()
        try:
            yield lease
        finally:
            stop.set()
            keeper.join()
            try:
                lease.release()
            except redis.RedisError as exc:  # it expires by itself
                log.warning("could not release the lock of thread=%s: %s", thread_hash(thread_id), exc)


class _RedisLease(Lease):
    def __init__(self, thread_id: str, lock: redis.lock.Lock) -> None:
        super().__init__(thread_id)
        self._lock = lock

    def extend(self, ttl_s: float) -> bool:
        try:
            self._lock.extend(ttl_s, replace_ttl=True)
        except LockError:
            return False
        return True

    def release(self) -> None:
        with contextlib.suppress(LockError):  # expired, maybe taken by another holder: nothing of ours to free
            self._lock.release()


class RedisLocks(Locks):
    """redis-py `Lock` on `kavak:{<thread>}:lock`."""

    def __init__(self, conns: RedisConnections) -> None:
        """Uses the store's sync client (standalone or RedisCluster)."""
        self.conns = conns

    def try_acquire(self, thread_id: str, ttl_s: float) -> Lease | None:
        """SET NX PX with a random token."""
        lock = self.conns.sync.lock(keys.lock(thread_id), timeout=ttl_s, blocking=False, thread_local=False)
        return _RedisLease(thread_id, lock) if lock.acquire(blocking=False) else None


class _LocalLease(Lease):
    def __init__(self, thread_id: str, owner: LocalLocks, token: str) -> None:
        super().__init__(thread_id)
        self._owner, self._token = owner, token

    def extend(self, ttl_s: float) -> bool:
        return self._owner._extend(self.thread_id, self._token, ttl_s)

    def release(self) -> None:
        self._owner._release(self.thread_id, self._token)


class LocalLocks(Locks):
    """Leases in this process's memory (embedded mode: the only process that runs turns)."""

    def __init__(self) -> None:
        """No lock held."""
        self._mutex = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}

    def try_acquire(self, thread_id: str, ttl_s: float) -> Lease | None:
        """Take the lock unless a live lease exists."""
        now = time.monotonic()
        with self._mutex:
            held = self._held.get(thread_id)
            if held and held[1] > now:
                return None
            token = uuid.uuid4().hex
            self._held[thread_id] = (token, now + ttl_s)
            if len(self._held) > 1024:  # drop expired leases now and then: memory stays flat
                self._held = {t: h for t, h in self._held.items() if h[1] > now}
            return _LocalLease(thread_id, self, token)

    def _extend(self, thread_id: str, token: str, ttl_s: float) -> bool:
        with self._mutex:
            held = self._held.get(thread_id)
            if not held or held[0] != token:
                return False
            self._held[thread_id] = (token, time.monotonic() + ttl_s)
            return True

    def _release(self, thread_id: str, token: str) -> None:
        with self._mutex:
            held = self._held.get(thread_id)
            if held and held[0] == token:
                del self._held[thread_id]
