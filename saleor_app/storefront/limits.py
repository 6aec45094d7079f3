"""The public API's limits: request size, query shape, request rates, subscriptions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from saleor_app.engine.limits import within_limit
from saleor_app.store.keys import global_key, tenant_key
from saleor_app.store.redis import Commands

MAX_BODY_BYTES = 8 * 1024
MAX_QUERY_DEPTH = 4
MAX_QUERY_TOKENS = 400
MAX_ALIASES = 4
MAX_HEADER_CHARS = 2048
MAX_ID_CHARS = 200
CLIENT_REQUESTS_PER_MINUTE = 300
SUBJECT_REQUESTS_PER_MINUTE = 60
SUBSCRIPTIONS_PER_CONNECTION = 5
CONNECTION_INIT_SECONDS = 10
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimits:
    """Requests per minute allowed per client address and per looked-up id."""

    client_per_minute: int = CLIENT_REQUESTS_PER_MINUTE
    subject_per_minute: int = SUBJECT_REQUESTS_PER_MINUTE


async def allow_client(redis: Commands, limits: RateLimits, address: str) -> bool:
    """Count one request (or websocket connection) of a client address."""
    key = global_key("sf-rate", "client", address)
    return await within_limit(redis, key, limits.client_per_minute, WINDOW_SECONDS)


async def allow_subject(
    redis: Commands, limits: RateLimits, tenant_id: str, kind: str, subject: str
) -> bool:
    """Count one look-up of an id, whether or not it exists (so limits reveal nothing)."""
    digest = hashlib.sha256(f"{kind}:{subject}".encode()).hexdigest()[:32]
    key = tenant_key(tenant_id, "sf-rate", digest)
    return await within_limit(redis, key, limits.subject_per_minute, WINDOW_SECONDS)
