"""APP_DELETED: the merchant removed the app; forget the tenant and its secrets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from saleor_app.saleor.webhooks.definition import SaleorWebhook

if TYPE_CHECKING:
    from saleor_app.context import AppContext
    from saleor_app.saleor.webhook_verifier import VerifiedWebhook

log = logging.getLogger(__name__)


async def handle_app_deleted(webhook: VerifiedWebhook, ctx: AppContext) -> None:
    """Remove the tenant and every key it owns (idempotent)."""
    removed = await ctx.tenants.delete(webhook.tenant.id)
    ctx.tenant_cache.forget(webhook.tenant.id)
    message = "tenant removed" if removed else "tenant already removed"
    log.info(message, extra={"tenant": webhook.tenant.id})


APP_DELETED = SaleorWebhook(name="app_deleted", event="APP_DELETED", handler=handle_app_deleted)
