"""Background work grows with what is due, not with the number of shops: the expiry sweep sends
the store the same commands with 300 idle shops installed as with none."""

from __future__ import annotations

import time
from pathlib import Path

import redis.asyncio as aioredis

from saleor_app.app import open_context
from saleor_app.config import load_settings
from saleor_app.engine.challenges import open_for
from saleor_app.jobs.periodic import expire_due
from saleor_app.observability import Metrics
from saleor_app.store.tenant_settings import TenantSettings
from saleor_app.store.tenants import Tenant
from tests.support.app_server import SECRET_KEY

IDLE_SHOPS = 300


async def commands_sent(client: aioredis.Redis) -> int:
    stats = await client.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


async def test_the_expiry_sweep_does_not_visit_idle_shops(clean_redis: str, tmp_path: Path) -> None:
    settings = load_settings(redis_url=clean_redis, data_dir=tmp_path, secret_key=SECRET_KEY)
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    async with open_context(settings, Metrics()) as ctx:
        busy = await ctx.tenants.install(Tenant.new("https://busy.example/graphql/", "app", "t", {}))
        store = ctx.challenges(busy.id)
        shop = TenantSettings(virtual_number="+33757000001")
        now = time.time()
        await open_for(store, shop, order_id="T3JkZXI6MQ==", expected_phone="+33612345678",
                       now=now - 700)
        await open_for(store, shop, order_id="T3JkZXI6Mg==", expected_phone="+33612345678",
                       now=now)

        async def sweep_cost() -> tuple[int, int]:
            await client.config_resetstat()
            expired = await expire_due(ctx, now)
            return expired, await commands_sent(client)

        assert (await expire_due(ctx, now)) == 1, "the due challenge expires"
        alone = await sweep_cost()
        for index in range(IDLE_SHOPS):
            await ctx.tenants.install(
                Tenant.new(f"https://idle{index}.example/graphql/", "app", "t", {}))
        crowded = await sweep_cost()
    await client.aclose()
    assert alone[0] == crowded[0] == 0
    assert crowded[1] == alone[1], f"{IDLE_SHOPS} idle shops cost {crowded[1] - alone[1]} commands"
