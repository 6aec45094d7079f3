"""Connection to the Redis-protocol store: REDIS_URL, or an embedded Valkey server."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from saleor_app.store.embedded import EmbeddedValkey, StoreStartError
from saleor_app.store.packing import hiredis_packing

log = logging.getLogger(__name__)

RedisClient = Redis | RedisCluster
QUEUE_HASH_TAG = "{rotp-jobs}"
"""Every job-queue key carries this tag: in a cluster the queue lives on one node, which a
plain client can then use with transactions, scripts and pub/sub."""
Commands = Any
"""A store client as repositories see it: redis-py types async commands as
`Awaitable[T] | T`, which mypy cannot await, so repositories use this alias."""

__all__ = [
    "Commands", "RedisClient", "RedisError", "StoreHandle", "open_store", "queue_node_url"
]


@dataclass
class StoreHandle:
    """An open store: the client, where it is, and the embedded server if we started one.
    `publisher` is a plain client for PUBLISH (a cluster broadcasts it to every node)."""

    client: RedisClient
    url: str
    description: str
    queue_url: str = ""
    publisher: Any = None
    embedded: Any = None
    _closed: bool = field(default=False, repr=False)

    @property
    def is_cluster(self) -> bool:
        """Whether the store is a Redis Cluster."""
        return isinstance(self.client, RedisCluster)

    async def close(self) -> None:
        """Close the client, then stop the embedded server (its data stays on disk)."""
        if self._closed:
            return
        self._closed = True
        await self.client.aclose()
        if self.publisher is not None and self.publisher is not self.client:
            await self.publisher.aclose()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


async def open_store(redis_url: str, data_dir: Path) -> StoreHandle:
    """Connect to REDIS_URL (plain or cluster, detected), or start the embedded server."""
    embedded = None
    if not redis_url:
        embedded = EmbeddedValkey(data_dir)
        embedded.launch()
        await embedded.wait_ready()
        redis_url = embedded.url
        description = embedded.description
    else:
        description = f"Redis at {_without_password(redis_url)}"
    client: RedisClient = hiredis_packing(Redis.from_url(redis_url, decode_responses=True))
    try:
        info = await client.info("cluster")
    except (RedisError, OSError) as exc:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        raise StoreStartError(f"cannot reach the store at {description}: {exc}") from None
    if info.get("cluster_enabled") in (1, "1"):
        await client.aclose()
        cluster = RedisCluster.from_url(redis_url, decode_responses=True)
        await cluster.initialize()
        description = f"Redis Cluster at {_without_password(redis_url)}"
        node = cluster.get_node_from_key(QUEUE_HASH_TAG)
        if node is None:
            raise RedisError("no cluster node owns the job queue's slot")
        return StoreHandle(
            client=cluster,
            url=redis_url,
            description=description,
            queue_url=_with_host(redis_url, str(node.host), int(node.port)),
            publisher=Redis.from_url(redis_url, decode_responses=True),
        )
    return StoreHandle(
        client=client,
        url=redis_url,
        description=description,
        embedded=embedded,
        queue_url=redis_url,
        publisher=client,
    )


async def queue_node_url(store: StoreHandle) -> str:
    """The URL of the node that owns the job queue's slot now, asked of the cluster itself (the
    store's queue URL when it is not a cluster)."""
    cluster = store.client
    if not isinstance(cluster, RedisCluster):
        return store.queue_url
    slot = cluster.keyslot(QUEUE_HASH_TAG)
    slots = await cluster.execute_command("CLUSTER SLOTS")
    for (start, end), owners in slots.items():
        if int(start) <= slot <= int(end):
            host, port = owners["primary"]
            return _with_host(store.url, str(host), int(port))
    raise RedisError("no cluster node owns the job queue's slot")


def _with_host(url: str, host: str, port: int) -> str:
    """The same URL (scheme, credentials, query) pointing at another node."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{credentials}{host}:{port}"))


def _without_password(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
