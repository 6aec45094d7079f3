"""ORDER_CREATED: the authoritative decision on a new order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saleor_app.orders.decide import decide_order
from saleor_app.saleor.webhooks.definition import SaleorWebhook, payload_object

if TYPE_CHECKING:
    from saleor_app.context import AppContext
    from saleor_app.saleor.webhook_verifier import VerifiedWebhook


async def handle_order_created(webhook: VerifiedWebhook, ctx: AppContext) -> bool:
    """Decide the order (duplicates are ignored); a decision logs its own line."""
    return await decide_order(ctx, webhook.tenant, payload_object(webhook, "order")) is not None


ORDER_CREATED = SaleorWebhook("order_created", "ORDER_CREATED", handle_order_created)
