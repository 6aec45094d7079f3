"""Switch on the app's webhooks once its token is stored, as Saleor's official apps do."""

from __future__ import annotations

import logging
from typing import Any

from saleor_app.context import AppContext

log = logging.getLogger(__name__)


async def activate_webhooks(ctx: dict[str, Any], *, tenant_id: str) -> int:
    """Activate every inactive webhook of the app in the tenant's Saleor; return how many."""
    app: AppContext = ctx["app"]
    tenant = await app.tenants.get(tenant_id)
    if tenant is None:
        return 0
    saleor = app.saleor(tenant)
    result = await saleor.query("app_webhooks")
    inactive = [hook for hook in result["app"]["webhooks"] if not hook["isActive"]]
    for hook in inactive:
        answer = await saleor.execute("webhook_activate", {"id": hook["id"]})
        errors = answer["webhookUpdate"]["errors"]
        if errors:
            log.warning("webhook activation refused", extra={"tenant": tenant_id, "errors": errors})
    log.info("webhooks activated", extra={"tenant": tenant_id, "count": len(inactive)})
    return len(inactive)
