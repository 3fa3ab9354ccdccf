"""Redis connections for the store (standalone or Cluster) and the backend's health: reachability, AOF."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from server.store.base import Health

log = logging.getLogger(__name__)

SyncClient = redis.Redis | RedisCluster
AsyncClient = aioredis.Redis | AsyncRedisCluster


class RedisConnections:
    """One sync client (worker side) and one async client (webhook side), each created on first use."""

    def __init__(self, url: str, cluster: bool = False) -> None:
        """`cluster`: talk to a Redis Cluster (REDIS_CLUSTER) through redis-py's cluster clients."""
        self.url, self.cluster = url, cluster
        self._sync: SyncClient | None = None
        self._aio: AsyncClient | None = None

    @property
    def sync(self) -> SyncClient:
        """The sync client, decoded responses."""
        if self._sync is None:
            if self.cluster:
                self._sync = RedisCluster.from_url(self.url, decode_responses=True)
            else:
                self._sync = redis.Redis.from_url(self.url, decode_responses=True, health_check_interval=30)
        return self._sync

    @property
    def aio(self) -> AsyncClient:
        """The async client, decoded responses."""
        if self._aio is None:
            if self.cluster:
                self._aio = AsyncRedisCluster.from_url(self.url, decode_responses=True)
            else:
                self._aio = aioredis.Redis.from_url(self.url, decode_responses=True, max_connections=64)
        return self._aio

    async def aclose(self) -> None:
        """Close the async pool."""
        if self._aio is not None:
            await self._aio.aclose()
            self._aio = None

    def close(self) -> None:
        """Close the sync pool."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None


def persistence_mode(info: dict[str, Any], save: str | None) -> str:
    """ "aof", "rdb" (snapshots only: minutes of writes can be lost), "off", or "no aof" (CONFIG unavailable)."""
    if str(info.get("aof_enabled", "0")) == "1":
        return "aof"
    if save is None:
        return "no aof"
    return "rdb" if save.strip() else "off"


class RedisHealth(Health):
    """PING, and `INFO persistence` + `CONFIG GET save` on every primary."""

    def __init__(self, conns: RedisConnections, on_aclose: Callable[[], Awaitable[None]] | None = None) -> None:
        """`on_aclose`: an async callable run before the async pool closes (stops the accept writer)."""
        self.conns = conns
        self.on_aclose = on_aclose

    async def ping(self) -> None:
        """PING over the async client."""
        await self.conns.aio.ping()

    async def persistence(self) -> str:
        """ "aof" when every primary appends to its AOF, else the weakest mode found."""
        client = self.conns.aio
        if isinstance(client, AsyncRedisCluster):
            nodes = client.get_primaries()
            modes = set()
            for node in nodes:
                info = await client.info("persistence", target_nodes=node)
                modes.add(persistence_mode(info, await self._save(client, node)))
            return "aof" if modes == {"aof"} else ", ".join(sorted(modes - {"aof"}))
        return persistence_mode(await client.info("persistence"), await self._save(client))

    @staticmethod
    async def _save(client: Any, node: Any = None) -> str | None:
        try:
            config = await (client.config_get("save", target_nodes=node) if node else client.config_get("save"))
        except redis.ResponseError:  # CONFIG is disabled on some managed services
            return None
        return str(config.get("save", ""))

    async def aclose(self) -> None:
        """Stop the accept writer, close the async pool."""
        if self.on_aclose is not None:
            await self.on_aclose()
        await self.conns.aclose()

    def close(self) -> None:
        """Close the sync pool."""
        self.conns.close()
