"""The app's record of each order it decided: decision, score, reasons, challenge, fate."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands, RedisError
from saleor_app.store.tenants import auth_key, installed_check

RETENTION_SECONDS = 90 * 24 * 3600
CAS_ATTEMPTS = 20
"""Reads and conditional writes tried by one state change before it gives up."""

# KEYS: 1 the record, 2 the tenant's auth record (an uninstall deletes it first)
# ARGV: 1 the record as read, 2 the record to write, 3 retention seconds
_REPLACE_IF_UNCHANGED = installed_check(2) + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'CHANGED' end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 'SET'
"""


class Decision(StrEnum):
    """The risk decision on an order or checkout."""

    ALLOW = "ALLOW"
    CHALLENGE = "CHALLENGE"
    REVIEW = "REVIEW"


class OrderState(StrEnum):
    """Where the order stands from the app's point of view."""

    CONFIRMING = "CONFIRMING"
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    CLOSED = "CLOSED"


FINAL_STATES = (OrderState.CONFIRMED, OrderState.CANCELLED, OrderState.CLOSED)


@dataclass(frozen=True)
class OrderRecord:
    """One order the app decided (risk reasons are merchant-only: never show shoppers)."""

    order_id: str
    number: str
    channel: str
    decision: Decision
    score: float
    reasons: list[dict[str, Any]]
    state: OrderState
    decided_at: float
    challenge_id: str | None = None
    customer: str = ""
    """Who placed the order (a digest of the account or e-mail), to bind a verified phone to."""
    checkout_id: str | None = None
    phone_hint: str | None = None
    total: str = ""
    note: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    staff: dict[str, Any] | None = None
    """A person's decision: {"action": APPROVED | REJECTED, "by", "reason", "at"}."""

    def to_json(self) -> str:
        """Stored form."""
        return json.dumps({name: getattr(self, name) for name in _RECORD_FIELDS})

    @classmethod
    def from_json(cls, raw: str) -> OrderRecord:
        """Inverse of to_json."""
        data = json.loads(raw)
        data["decision"] = Decision(data["decision"])
        data["state"] = OrderState(data["state"])
        return cls(**data)


_RECORD_FIELDS = tuple(f.name for f in fields(OrderRecord))


class OrderRepository:
    """Order records of one tenant, newest first in a sorted set."""

    def __init__(self, redis: Commands, tenant_id: str) -> None:
        self._redis = redis
        self.tenant_id = tenant_id

    def key(self, order_id: str) -> str:
        """The key of an order's record."""
        return tenant_key(self.tenant_id, "order", order_id)

    def claim_key(self, order_id: str) -> str:
        """The key that lets one caller decide an order."""
        return tenant_key(self.tenant_id, "order-claim", order_id)

    @property
    def index_key(self) -> str:
        """The sorted set of decided orders, by decision time."""
        return tenant_key(self.tenant_id, "orders")

    async def create(self, record: OrderRecord) -> bool:
        """Store the first decision on an order; False when one exists (duplicate webhook)."""
        created = await self._redis.set(
            self.key(record.order_id), record.to_json(), nx=True, ex=RETENTION_SECONDS
        )
        if created:
            await self._redis.zadd(
                self.index_key, {record.order_id: record.decided_at}
            )
        return bool(created)

    async def get(self, order_id: str) -> OrderRecord | None:
        """The record of an order, if the app decided it."""
        raw = await self._redis.get(self.key(order_id))
        return OrderRecord.from_json(raw) if raw else None

    async def set_state(
        self, order_id: str, state: OrderState, event: str, staff: dict[str, Any] | None = None
    ) -> OrderRecord | None:
        """Move an order to a new state and note why in its history (and who decided, for a
        person's decision); None when there is no record, or the shop was uninstalled.
        Concurrent changes are each kept: the record is written only if it is still the one
        read (else read again, at most CAS_ATTEMPTS times)."""
        key = self.key(order_id)
        for _ in range(CAS_ATTEMPTS):
            raw = await self._redis.get(key)
            if raw is None:
                return None
            record = OrderRecord.from_json(raw)
            entry = {"at": time.time(), "state": state.value, "event": event}
            updated = replace(record, state=state, history=[*record.history, entry],
                              staff=staff or record.staff)
            answer = await self._redis.eval(
                _REPLACE_IF_UNCHANGED, 2, key, auth_key(self.tenant_id),
                raw, updated.to_json(), RETENTION_SECONDS,
            )
            if answer == "SET":
                return updated
            if answer == "GONE":
                return None
        raise RedisError(f"order record {order_id} kept changing")

    async def recent(self, limit: int = 100, offset: int = 0) -> list[OrderRecord]:
        """The latest decided orders, newest first."""
        ids: list[str] = await self._redis.zrevrange(
            self.index_key, offset, offset + limit - 1
        )
        if not ids:
            return []
        raws: list[str | None] = await self._redis.mget([self.key(i) for i in ids])
        return [OrderRecord.from_json(raw) for raw in raws if raw]
