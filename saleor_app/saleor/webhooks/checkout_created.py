"""CHECKOUT_CREATED: score early and open the challenge before payment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saleor_app.orders.decide import decide_checkout
from saleor_app.saleor.webhooks.definition import SaleorWebhook, payload_object

if TYPE_CHECKING:
    from saleor_app.context import AppContext
    from saleor_app.saleor.webhook_verifier import VerifiedWebhook


async def handle_checkout_created(webhook: VerifiedWebhook, ctx: AppContext) -> None:
    """Open the checkout's challenge when it is risky and has a phone."""
    await decide_checkout(ctx, webhook.tenant, payload_object(webhook, "checkout"))


CHECKOUT_CREATED = SaleorWebhook("checkout_created", "CHECKOUT_CREATED", handle_checkout_created)
