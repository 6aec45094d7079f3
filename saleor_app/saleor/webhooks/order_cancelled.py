"""ORDER_CANCELLED: the order was cancelled: close its challenge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saleor_app.orders.external import order_settled
from saleor_app.saleor.webhooks.definition import SaleorWebhook
from saleor_app.store.orders import OrderState

if TYPE_CHECKING:
    from saleor_app.context import AppContext
    from saleor_app.saleor.webhook_verifier import VerifiedWebhook


async def handle_order_cancelled(webhook: VerifiedWebhook, ctx: AppContext) -> None:
    """Record the new state; close the challenge unless the app caused it."""
    await order_settled(ctx, webhook.tenant, webhook.payload, OrderState.CANCELLED)


ORDER_CANCELLED = SaleorWebhook("order_cancelled", "ORDER_CANCELLED", handle_order_cancelled)
