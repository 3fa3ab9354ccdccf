"""kombu's Redis transport when the broker dies under a consumer, reproduced without Celery.

A worker's connection has two consuming channels (tasks, remote control), each with a BRPOP outstanding
(their idle state in the event loop), the task channel holding delivered, unacknowledged messages; Redis is
killed; then the connection is cleaned up exactly as Celery's consumer does after a connection error
(`collect()`, then `close()`). kombu's own transport raises AttributeError there (the crash that made workers
exit); `server.broker:Transport` closes cleanly.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from kombu import Connection, Queue

from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def lose_broker_then_clean_up(url: str, server: RedisServer, transport: str | None) -> None:
    """Two consuming channels (a worker's task channel and its remote-control channel), the first holding
    unacknowledged messages, both with a BRPOP outstanding; Redis killed; then collect() + close()."""
    tasks, control = Queue("kavak-tasks"), Queue("kavak-control")
    connection = Connection(url, transport=transport)
    with connection.Producer() as producer:
        for n in range(2):
            producer.publish({"n": n}, routing_key=tasks.name, declare=[tasks, control], serializer="json")
    received: list[object] = []
    consumer = connection.Consumer([tasks], callbacks=[lambda body, message: received.append(message)])
    consumer.qos(prefetch_count=10)
    consumer.consume()
    connection.Consumer([control], channel=connection.channel(), callbacks=[]).consume()
    connection.drain_events(timeout=2)  # delivers the two task messages; not acknowledged
    connection.drain_events(timeout=2)
    with pytest.raises(TimeoutError):
        connection.drain_events(timeout=0.2)  # nothing left: BRPOPs stay outstanding, as in the event loop
    assert len(received) == 2 and consumer.channel._in_poll
    server.crash(signal.SIGKILL)
    # What celery.worker.consumer.Consumer.on_connection_error_after_connected does:
    connection.collect(socket_timeout=1)
    connection.close()


def test_kombus_transport_crashes_when_the_broker_dies_under_a_consumer(redis_server: RedisServer) -> None:
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'hostname'"):
        lose_broker_then_clean_up(redis_server.url, redis_server, transport=None)
    # If this fails, kombu fixed its double close: server/broker.py and this test can go.


def test_the_projects_transport_closes_cleanly(redis_server: RedisServer) -> None:
    lose_broker_then_clean_up(redis_server.url, redis_server, transport="server.broker:Transport")
