"""Jobs queued by store scripts reach the queue, even when a relay dies mid-way (at least
once: the jobs themselves are idempotent)."""

from __future__ import annotations

from saleor_app.jobs.outbox import job_request, recover, relay
from saleor_app.store.outbox import outbox_key, taken_key
from tests.orders.test_expiry_and_reconcile import side_context
from tests.orders.test_hold_and_release import notes
from tests.support.shop import Shop, wait_for


async def test_a_request_a_dead_relay_had_taken_runs_once_after_restart(shop: Shop) -> None:
    order = shop.saleor.add_order()
    tenant = await shop.tenant()
    request = job_request("add_order_note", key=f"note:{tenant.id}:{order['id']}:outbox-test",
                          tenant_id=tenant.id, order_id=order["id"], message="from the outbox")
    async with side_context(shop) as ctx:
        await shop.redis.lpush(taken_key(tenant.id), request)
        assert await recover(ctx, tenant.id) == 1
        assert await relay(ctx, tenant.id) == 1
        await wait_for(lambda: notes(shop.saleor, order["id"]) == ["from the outbox"])
        assert await shop.redis.llen(outbox_key(tenant.id)) == 0
        assert await shop.redis.llen(taken_key(tenant.id)) == 0


async def test_an_unreadable_request_is_dropped(shop: Shop) -> None:
    tenant = await shop.tenant()
    async with side_context(shop) as ctx:
        await shop.redis.lpush(outbox_key(tenant.id), "not json")
        assert await relay(ctx, tenant.id) == 0
        assert await shop.redis.llen(outbox_key(tenant.id)) == 0
        assert await shop.redis.llen(taken_key(tenant.id)) == 0
