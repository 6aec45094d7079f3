"""ORDER_CONFIRMED: someone confirmed the order: close its challenge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saleor_app.orders.external import order_settled
from saleor_app.saleor.webhooks.definition import SaleorWebhook
from saleor_app.store.orders import OrderState

if TYPE_CHECKING:
    from saleor_app.context import AppContext
    from saleor_app.saleor.webhook_verifier import VerifiedWebhook


async def handle_order_confirmed(webhook: VerifiedWebhook, ctx: AppContext) -> None:
    """Record the new state; close the challenge unless the app caused it."""
    await order_settled(ctx, webhook.tenant, webhook.payload, OrderState.CONFIRMED)


ORDER_CONFIRMED = SaleorWebhook("order_confirmed", "ORDER_CONFIRMED", handle_order_confirmed)
