"""The demo tenant: a fake Saleor URL, a virtual number and the generic provider."""

from __future__ import annotations

import secrets

from saleor_app.context import AppContext
from saleor_app.core.model import Challenge
from saleor_app.engine.challenges import open_for
from saleor_app.store.keys import tenant_id_for
from saleor_app.store.redis import Commands
from saleor_app.store.tenant_settings import ProviderSettings, TenantSettings
from saleor_app.store.tenants import Tenant

DEMO_API_URL = "http://demo.invalid/graphql/"
DEMO_NUMBER = "+33757000042"
DEMO_SHOPPER = "+33612345678"
DEMO_TENANT_ID = tenant_id_for(DEMO_API_URL)


async def install_demo(ctx: AppContext) -> Tenant:
    """Create (or keep) the demo tenant and its settings."""
    tenant = await ctx.tenants.get(DEMO_TENANT_ID)
    if tenant is None:
        fresh = Tenant.new(DEMO_API_URL, "demo-app", secrets.token_urlsafe(16), {"keys": []})
        tenant = await ctx.tenants.install(fresh)
    settings = await ctx.tenant_settings.get(DEMO_TENANT_ID)
    settings = TenantSettings.model_validate(
        {
            **settings.model_dump(),
            "virtual_number": DEMO_NUMBER,
            "ttl_seconds": max(settings.ttl_seconds, 120),
            "providers": {**settings.providers, "generic": ProviderSettings(enabled=True)},
        }
    )
    await ctx.tenant_settings.save(DEMO_TENANT_ID, settings)
    return tenant


async def demo_order(ctx: AppContext) -> Challenge:
    """A fresh fake order held with a challenge for the demo shopper's phone; the shopper's
    per-sender SMS limit starts again with each demo order."""
    settings = await ctx.tenant_settings.get(DEMO_TENANT_ID)
    order_id = "demo-order-" + secrets.token_hex(6)
    store = ctx.challenges(DEMO_TENANT_ID)
    redis: Commands = ctx.store.client
    await redis.delete(store.key("rate", "sender", DEMO_SHOPPER))
    return await open_for(store, settings, order_id=order_id, expected_phone=DEMO_SHOPPER)
