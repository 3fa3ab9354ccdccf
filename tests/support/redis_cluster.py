"""A throwaway Redis Cluster of three primaries from the same pip wheel as `redis_server` (no redis-cli).

Each node is a `RedisServer` started with `--cluster-enabled yes`; redis-py forms the cluster: CLUSTER MEET
from the first node, then CLUSTER ADDSLOTSRANGE for a third of the 16,384 slots on each node, then a poll of
CLUSTER INFO until every node says `cluster_state:ok`.
"""

from __future__ import annotations

import random
import socket
import time
from types import TracebackType

import redis

from tests.support.redis_server import RedisServer, RedisServerError

SLOTS = ((0, 5460), (5461, 10922), (10923, 16383))


def cluster_port() -> int:
    """A free port whose cluster bus port (+10,000) is free too; Redis wants both below 65,536."""
    for _ in range(200):
        port = random.randint(20_000, 55_000)
        if all(_free(p) for p in (port, port + 10_000)):
            return port
    raise RedisServerError("no free port pair for a cluster node")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisClusterServer:
    """Three cluster-enabled Redis nodes on loopback, formed into one cluster; `url` names the first node."""

    def __init__(self, startup_timeout: float = 20.0) -> None:
        """Nothing runs until `start()`."""
        self.startup_timeout = startup_timeout
        self.nodes = [
            RedisServer(
                port=cluster_port(), extra_args=("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
            )
            for _ in SLOTS
        ]

    @property
    def url(self) -> str:
        """A cluster client's seed URL."""
        return self.nodes[0].url

    def start(self) -> RedisClusterServer:
        """Start the nodes, meet, assign slots, wait for `cluster_state:ok`."""
        try:
            for node in self.nodes:
                node.start()
            first = self.nodes[0].client()
            for node in self.nodes[1:]:
                first.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port)
            for node, (low, high) in zip(self.nodes, SLOTS, strict=True):
                node.client().execute_command("CLUSTER", "ADDSLOTSRANGE", low, high)
            deadline = time.monotonic() + self.startup_timeout
            while not all(self._ok(node) for node in self.nodes):
                if time.monotonic() > deadline:
                    raise RedisServerError("the Redis Cluster did not reach cluster_state:ok")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _ok(node: RedisServer) -> bool:
        info = node.client().execute_command("CLUSTER", "INFO")
        text = info.decode() if isinstance(info, bytes) else str(info)
        return "cluster_state:ok" in text and "cluster_known_nodes:3" in text

    def client(self) -> redis.RedisCluster:
        """A cluster client with decoded responses."""
        return redis.RedisCluster.from_url(self.url, decode_responses=True)

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> RedisClusterServer:
        """Start."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop."""
        self.stop()
