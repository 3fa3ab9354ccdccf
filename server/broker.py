"""Celery's Redis transport with one fix: a worker survives its broker restarting.

kombu 5.7 + Celery 5.7, when Redis dies under a worker: Celery's consumer calls `Connection.collect()`, then
`Connection.close()`. `collect()` closes the task channel first; its `close()` stops at `_brpop_read()` (the
pending BRPOP's socket is dead) before the channel is marked closed. `Transport.close_connection()` then
closes the other channels (remote control) but stops at the first that raises for the same reason, so the
task channel stays open, and `collect()` clears the transport's `client`. `close()` closes the task channel
again; this time it reaches the restore of its unacknowledged messages, which builds a connection pool from
`transport.client.hostname`: AttributeError on None, not a connection error, so Celery calls it
unrecoverable and the worker exits. It takes two consuming channels with BRPOPs outstanding and delivered,
unacknowledged tasks (prefetched, or running with acks_late): under load, often.

Here the pending BRPOP's connection error is swallowed in `close()`, so each close completes (the channel is
marked closed before the restore, which then fails with a connection error that kombu ignores; the messages
come back through the unacked index). As a second guard, a pool asked of a detached channel raises a
connection error instead of AttributeError. `tests/integration/test_broker_restart.py` reproduces both.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    """kombu's Redis channel whose `close()` completes when the broker is gone."""

    def close(self) -> None:
        """Consume the pending BRPOP if it can be read; then close as kombu does."""
        if self._in_poll:
            try:
                self._brpop_read()
            except (kombu_redis.Empty, *self.connection_errors):
                pass
        super().close()

    def _connparams(self, asynchronous: bool = False) -> Any:
        """kombu's parameters; a connection error (not AttributeError) once the transport is detached."""
        if self.connection.client is None:
            raise kombu_redis.redis.exceptions.ConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    """Use as `broker_transport="server.broker:Transport"`."""

    Channel = Channel
