"""Expiry policy, reconciliation, orders decided elsewhere, and a worker killed mid-release."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from collections.abc import AsyncIterator

import pytest

from saleor_app.app import open_context
from saleor_app.context import AppContext
from saleor_app.jobs.periodic import expire_due, reconcile, reconcile_all
from saleor_app.jobs.queue import enqueue, lane_of
from saleor_app.observability import Metrics
from saleor_app.store.orders import OrderState
from saleor_app.store.redis import QUEUE_HASH_TAG
from tests.orders.test_hold_and_release import (
    CALM,
    RISKY,
    confirms,
    create_order,
    held_challenge,
    notes,
    record,
)
from tests.standin import SaleorStandIn
from tests.support.cli import cli_process
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic


@contextlib.asynccontextmanager
async def side_context(shop: Shop) -> AsyncIterator[AppContext]:
    """The app's own services opened in the test's loop, on the same store."""
    async with open_context(shop.app.settings, Metrics()) as ctx:
        yield ctx


@pytest.mark.parametrize("policy", ["CANCEL", "KEEP_HELD"])
async def test_expired_challenge_applies_the_policy(shop: Shop, policy: str) -> None:
    await shop.configure(expiry_policy=policy)
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    async with side_context(shop) as ctx:
        assert await expire_due(ctx, now=time.time() + 601) == 1
        assert await expire_due(ctx, now=time.time() + 601) == 0
    saleor = shop.saleor
    if policy == "CANCEL":
        await wait_for(lambda: saleor.order(order["id"])["status"] == "CANCELED")
        await wait_for(lambda: any("refunded" in n for n in notes(saleor, order["id"])))
        assert len(saleor.calls("orderCancel")) == 1
        assert (await record(shop, order["id"])).state is OrderState.CANCELLED
    else:
        await wait_for(lambda: any("stays held" in n for n in notes(saleor, order["id"])))
        assert saleor.calls("orderCancel") == []
        assert saleor.order(order["id"])["status"] == "UNCONFIRMED"
    late = await send_generic(await shop.inbound_url("generic"), (await shop.tenant()).inbound_secret,
                              SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    assert late.status_code == 200
    await asyncio.sleep(0.5)
    assert confirms(saleor, order["id"]) == []


async def test_reconciliation_finds_an_order_whose_webhook_never_came(shop: Shop) -> None:
    saleor = shop.saleor
    calm = saleor.add_order(**CALM)
    risky = saleor.add_order(**RISKY)
    async with side_context(shop) as ctx:
        counts = await reconcile(ctx, await shop.tenant())
        again = await reconcile(ctx, await shop.tenant())
    assert counts["decided"] == 2 and again["decided"] == 0
    await wait_for(lambda: saleor.order(calm["id"])["status"] == "UNFULFILLED")
    assert (await record(shop, risky["id"])).state is OrderState.HELD
    assert len(confirms(saleor, calm["id"])) == 1


@pytest.mark.parametrize("job", ["confirm_order", "cancel_order"])
async def test_a_release_queued_again_after_the_order_settled_calls_saleor_no_more(
    shop: Shop, job: str
) -> None:
    """Reconciliation can read CONFIRMING just before the release job ends and queue it again."""
    saleor = shop.saleor
    order = await create_order(shop, **CALM)
    await wait_for(lambda: _confirmed(shop, order["id"]))
    tenant = await shop.tenant()
    key = f"late:{tenant.id}:{order['id']}"
    async with side_context(shop) as ctx:
        assert await enqueue(ctx.jobs, job, key=key, tenant_id=tenant.id, order_id=order["id"])
        await wait_for(lambda: _job_done(ctx, job, key))
    assert len(confirms(saleor, order["id"])) == 1
    assert saleor.calls("orderCancel") == []
    assert (await record(shop, order["id"])).state is OrderState.CONFIRMED


async def _job_done(ctx: AppContext, function: str, key: str) -> bool:
    job = await ctx.jobs.lane(lane_of(function)).job(QUEUE_HASH_TAG + key)
    return job is not None and job.status.value == "complete"


async def test_reconciliation_skips_channels_that_cannot_hold(shop: Shop) -> None:
    saleor = shop.saleor
    saleor.add_channel("auto", auto_confirm=True)
    order = saleor.add_order(channel="auto", **CALM)
    async with side_context(shop) as ctx:
        counts = await reconcile(ctx, await shop.tenant())
    assert counts["decided"] == 0 and await record(shop, order["id"]) is None


@pytest.mark.parametrize("event", ["ORDER_CANCELLED", "ORDER_EXPIRED"])
async def test_order_cancelled_or_expired_elsewhere_closes_the_challenge(
    shop: Shop, event: str
) -> None:
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    order["status"] = "CANCELED" if event == "ORDER_CANCELLED" else "EXPIRED"
    (answer,) = await shop.saleor.send_event(event, order)
    assert answer.status_code == 200
    store = await shop.challenges()
    assert (await store.get(challenge.id)).status.value == "REJECTED"
    assert (await record(shop, order["id"])).state is OrderState.CANCELLED


async def test_worker_killed_mid_release_still_confirms_once(start_app, saleor) -> None:
    app = start_app(with_worker=False)
    installed = await saleor.install(f"{app.url}/api/manifest")
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(app.settings.redis_url, decode_responses=True)
    shop = Shop(saleor=saleor, app=app, installed=installed, redis=client)
    await shop.configure(virtual_number=VIRTUAL_NUMBER, providers={"generic": {"enabled": True}})

    def worker() -> subprocess.Popen[bytes]:
        return cli_process(app.settings.redis_url, app.settings.data_dir, app.url, "worker")

    first = worker()
    try:
        await wait_for(lambda: all(h["isActive"] for h in installed.app.webhooks), timeout=20)
        order = await create_order(shop, **RISKY)
        _, challenge = await held_challenge(shop, order)
        await wait_for(lambda: notes(saleor, order["id"]), timeout=20)
        saleor.latency(2.0)
        await send_generic(await shop.inbound_url("generic"),
                           (await shop.tenant()).inbound_secret, SHOPPER_PHONE, VIRTUAL_NUMBER,
                           challenge.code)
        await asyncio.sleep(1.2)
        first.send_signal(signal.SIGKILL)
        first.wait(5)
        saleor.latency(0)
        await wait_for(lambda: saleor.order(order["id"])["status"] == "UNFULFILLED", timeout=10)
        second = worker()
        try:
            await wait_for(lambda: _confirmed(shop, order["id"]), timeout=45)
        finally:
            second.terminate()
            second.wait(10)
        assert len(confirms(saleor, order["id"])) == 1
    finally:
        if first.poll() is None:
            first.kill()
        await client.aclose()


async def _confirmed(shop: Shop, order_id: str) -> bool:
    found = await record(shop, order_id)
    return found is not None and found.state is OrderState.CONFIRMED


async def test_one_broken_tenant_does_not_stop_the_others_reconciliation(shop: Shop) -> None:
    honest = shop.saleor.add_order(**CALM)
    with SaleorStandIn() as broken:
        await broken.install(f"{shop.app.url}/api/manifest")
        broken.add_order(**RISKY)
        answer = broken.handle_graphql

        def unexpected_shape(headers: dict[str, str], body: bytes) -> tuple[int, object]:
            if b"UnconfirmedOrders" in body:
                return 200, {"data": {"orders": {"edges": [{"node": {"number": "7"}}],
                                                 "pageInfo": {"hasNextPage": False}}}}
            return answer(headers, body)

        broken.handle_graphql = unexpected_shape  # type: ignore[method-assign]
        async with side_context(shop) as ctx:
            await reconcile_all(ctx)
            failed = ctx.metrics.reconciliations.labels("failed")._value.get()
            done = ctx.metrics.reconciliations.labels("done")._value.get()
    assert (failed, done) == (1, 1)
    assert (await record(shop, honest["id"])) is not None, "the honest shop was skipped"
    await wait_for(lambda: shop.saleor.order(honest["id"])["status"] == "UNFULFILLED")
