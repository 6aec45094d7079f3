"""Periodic work in every worker: expire due challenges, reconcile orders with Saleor."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from saleor_app.background import in_background
from saleor_app.context import AppContext
from saleor_app.core.model import ChallengeStatus
from saleor_app.engine.outcomes import challenge_changed
from saleor_app.jobs.outbox import outbox_listener
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import confirm_key
from saleor_app.observability import labelled
from saleor_app.orders.channels import channel_statuses
from saleor_app.orders.decide import decide_order
from saleor_app.saleor.client import SaleorRefused, SaleorUnavailable
from saleor_app.store.challenges import DEADLINE_TENANTS
from saleor_app.store.keys import tenant_key
from saleor_app.store.orders import OrderRepository, OrderState
from saleor_app.store.redis import Commands, RedisError
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_SECONDS = 1.0
RECONCILE_INTERVAL_SECONDS = 300.0
MAX_RECONCILE_PAGES = 20


async def expire_due(app: AppContext, now: float | None = None) -> int:
    """Mark every due PENDING challenge EXPIRED (each once, fleet-wide); return how many."""
    moment = time.time() if now is None else now
    expired = 0
    redis: Commands = app.store.client
    for tenant_id in await redis.smembers(DEADLINE_TENANTS):
        store = app.challenges(tenant_id)
        earliest = await store.next_deadline()
        if earliest is None:
            await store.unmark_deadlines_if_none()
            continue
        if earliest > moment:
            continue
        for challenge_id in await store.due(moment):
            if await store.finish(challenge_id, ChallengeStatus.EXPIRED, moment, "ttl"):
                expired += 1
                await challenge_changed(app, store, challenge_id, "EXPIRED")
    return expired


async def index_deadlines(app: AppContext) -> None:
    """At start-up: put every tenant with pending deadlines in the index (stores written before
    the index existed); once per process, not per tick."""
    for tenant_id in await app.tenants.all_ids():
        if await app.store.client.zcard(app.challenges(tenant_id).key("deadlines")):
            await app.challenges(tenant_id).mark_deadlines()


async def reconcile(app: AppContext, tenant: Tenant) -> dict[str, int]:
    """Decide UNCONFIRMED orders no webhook told us about, and re-release verified ones
    whose release did not land."""
    counts = {"decided": 0, "released": 0}
    holding = [c.id for c in await channel_statuses(app, tenant) if c.can_hold]
    if not holding:
        return counts
    lookback = app.settings.reconcile_lookback_days
    since = (datetime.now(UTC) - timedelta(days=lookback)).date().isoformat()
    orders = OrderRepository(app.store.client, tenant.id)
    store = app.challenges(tenant.id)
    saleor = app.saleor(tenant)
    after: str | None = None
    for _ in range(MAX_RECONCILE_PAGES):
        variables = {"channels": holding, "after": after, "since": since}
        page = (await saleor.query("unconfirmed_orders", variables))["orders"]
        for edge in page["edges"]:
            order = edge["node"]
            record = await orders.get(order["id"])
            if record is None:
                if await decide_order(app, tenant, order, source="reconciliation"):
                    counts["decided"] += 1
                continue
            challenge = await store.get(record.challenge_id) if record.challenge_id else None
            verified = challenge is not None and challenge.status is ChallengeStatus.VERIFIED
            if record.state is OrderState.CONFIRMING or (
                record.state is OrderState.HELD and verified
            ):
                if record.state is OrderState.HELD and challenge is not None:
                    await challenge_changed(app, store, challenge.id, "VERIFIED")
                else:
                    await enqueue(
                        app.jobs,
                        "confirm_order",
                        key=confirm_key(tenant.id, record.order_id),
                        tenant_id=tenant.id,
                        order_id=record.order_id,
                    )
                counts["released"] += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    log.info("reconciled", extra={"tenant": tenant.id, **counts})
    return counts


async def reconcile_all(app: AppContext) -> None:
    """Reconcile every tenant, each at most once per interval across all workers; a tenant
    whose Saleor is failing waits for the next pass instead of delaying the others."""
    for tenant_id in await app.tenants.all_ids():
        lock = tenant_key(tenant_id, "reconcile-lock")
        ttl = int(RECONCILE_INTERVAL_SECONDS * 0.9)
        if not await app.store.client.set(lock, "1", nx=True, ex=ttl):
            continue
        if await app.saleor_health.failures(tenant_id):
            labelled(app.metrics.reconciliations, "saleor_failing").inc()
            continue
        tenant = await app.tenants.get(tenant_id)
        if tenant is None or _unreachable(tenant.saleor_api_url):
            continue
        outcome = "done"
        try:
            await reconcile(app, tenant)
        except (RedisError, OSError):
            raise
        except (SaleorUnavailable, SaleorRefused) as exc:
            outcome = "saleor_unavailable"
            log.warning("reconciliation failed", extra={"tenant": tenant_id, "error": str(exc)})
        except Exception as exc:
            outcome = "failed"
            log.exception(
                "reconciliation failed for one tenant; the others go on",
                extra={"tenant": tenant_id, "error": type(exc).__name__},
            )
        labelled(app.metrics.reconciliations, outcome).inc()


def _unreachable(saleor_api_url: str) -> bool:
    """A Saleor under the reserved `.invalid` domain (the demo tenant) is never called."""
    host = urlsplit(saleor_api_url).hostname or ""
    return host == "invalid" or host.endswith(".invalid")


async def _every(seconds: float, work: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        try:
            await work()
        except (RedisError, OSError):
            log.warning("periodic task failed: store unavailable", extra={"task": name})
        except Exception:
            log.exception("periodic task failed", extra={"task": name})
        await asyncio.sleep(seconds)


@contextlib.asynccontextmanager
async def periodic_tasks(app: AppContext) -> AsyncIterator[None]:
    """Run the expiry and reconciliation loops and the outbox listener (which relays every
    outbox when it (re)subscribes, then each one announced) until the block ends."""
    await index_deadlines(app)
    loops = in_background(
        _every(EXPIRY_INTERVAL_SECONDS, lambda: expire_due(app), "expiry"),
        _every(RECONCILE_INTERVAL_SECONDS, lambda: reconcile_all(app), "reconcile"),
    )
    async with loops, outbox_listener(app):
        yield
