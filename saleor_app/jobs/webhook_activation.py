"""Switch on the app's webhooks once its token is stored, as Saleor's official apps do."""

from __future__ import annotations

import logging
from typing import Any

from saleor_app.context import AppContext
from saleor_app.saleor.client import SaleorRefused, SaleorUnavailable
from saleor_app.store.keys import tenant_key

log = logging.getLogger(__name__)

ACTIVATION_ATTEMPTS = 8
"""Tries to switch the webhooks on (about 4 minutes with back-off); an install whose Saleor never
lets the app do it never completed, and its tenant is dropped."""


def completed_key(tenant_id: str) -> str:
    """Set once the tenant's webhooks were switched on: its install completed."""
    return tenant_key(tenant_id, "install-completed")


async def activate_webhooks(ctx: dict[str, Any], *, tenant_id: str) -> int:
    """Activate every inactive webhook of the app in the tenant's Saleor; return how many.
    When the last attempt fails, the install never completed: the tenant is removed."""
    app: AppContext = ctx["app"]
    tenant = await app.tenants.get(tenant_id)
    if tenant is None:
        return 0
    saleor = app.saleor(tenant, failing=ctx.get("saleor_failing", False))
    job = ctx.get("job")
    try:
        result = await saleor.query("app_webhooks")
    except (SaleorUnavailable, SaleorRefused) as exc:
        retrying = job is not None and job.attempts < job.retries
        if isinstance(exc, SaleorUnavailable) and retrying:
            raise
        if await app.store.client.exists(completed_key(tenant_id)):
            log.warning("webhook activation failed", extra={"tenant": tenant_id})
            return 0
        await app.tenants.delete(tenant_id)
        app.tenant_cache.forget(tenant_id)
        log.warning("install never completed: tenant dropped", extra={"tenant": tenant_id})
        return 0
    inactive = [hook for hook in result["app"]["webhooks"] if not hook["isActive"]]
    for hook in inactive:
        answer = await saleor.execute("webhook_activate", {"id": hook["id"]})
        errors = answer["webhookUpdate"]["errors"]
        if errors:
            log.warning("webhook activation refused", extra={"tenant": tenant_id, "errors": errors})
    await app.store.client.set(completed_key(tenant_id), "1")
    log.info("webhooks activated", extra={"tenant": tenant_id, "count": len(inactive)})
    return len(inactive)
