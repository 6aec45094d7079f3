"""What the tenant's history keeps of verified phones, and that an uninstall ends it."""

from __future__ import annotations

from saleor_app.orders.facts import History
from saleor_app.store.tenants import TenantRepository
from tests.support.shop import SHOPPER_PHONE, Shop


async def test_a_verified_phone_is_remembered_only_while_the_shop_is_installed(shop: Shop) -> None:
    tenant = await shop.tenant()
    history = History(shop.redis, tenant.id)
    await history.remember_verified_phone(SHOPPER_PHONE, "customer-digest", 30, "mobile")
    pattern = f"rotp:{{t:{tenant.id}}}:hist:verified:*"
    (key,) = await shop.redis.keys(pattern)
    assert 29 * 86400 < await shop.redis.ttl(key) <= 30 * 86400

    assert await TenantRepository(shop.redis, shop.box).delete(tenant.id)
    await history.remember_verified_phone(SHOPPER_PHONE, "customer-digest", 30, "mobile")
    assert await shop.redis.keys(f"rotp:{{t:{tenant.id}}}:*") == [], "a late job writes nothing"
