"""Celery's Redis transport with one fix: a worker survives its broker restarting.

kombu 5.7's Redis channel can be closed twice when the connection drops: Celery's consumer calls
`Connection.collect()` and then `Connection.close()`. The first close stops at `_brpop_read()` (the pending
BRPOP's socket is dead) before the channel is marked closed, and `collect()` then clears the transport's
`client`. The second close gets further, to restoring the unacknowledged messages, which needs a new
connection pool, built from `transport.client.hostname`: AttributeError on None, which is not a connection
error, so the worker logs "Unrecoverable error" and exits. It happens whenever the channel was polling and
held a delivered, unacknowledged message (a prefetched task), i.e. under load.

Here the pending BRPOP's connection error is swallowed in `close()`, so the first close completes (marking
the channel closed); the restore then fails with a connection error (Redis is down), which kombu ignores,
and the messages come back through the unacked index's visibility timeout. As a second guard, a pool asked
of a detached channel raises a connection error instead of AttributeError.
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
