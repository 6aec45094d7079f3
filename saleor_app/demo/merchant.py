"""`/demo/merchant`: the demo tenant's figures and orders as the merchant sees them, read-only
and without Saleor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from saleor_app.admin.overview import overview
from saleor_app.admin.types import Overview
from saleor_app.admin.views import when
from saleor_app.context import AppContext
from saleor_app.core.model import Challenge
from saleor_app.core.phones import mask_phone
from saleor_app.demo.tenant import DEMO_TENANT_ID
from saleor_app.store.challenges import AUDIT_LENGTH

DEMO_ORDERS_SHOWN = 20
SMS_WORDS = {
    "PENDING": "Waiting for the shopper's SMS",
    "VERIFIED": "Verified by SMS",
    "EXPIRED": "Expired",
    "REJECTED": "Rejected (too many wrong codes)",
    "APPROVED": "Approved by staff",
    "REJECTED_BY_STAFF": "Rejected by staff",
}


@dataclass(frozen=True)
class DemoOrder:
    """One demo order's challenge, as the merchant's list shows it."""

    order_id: str
    status: str
    words: str
    phone: str
    created: datetime
    wrong_codes: int
    wrong_senders: int


@dataclass(frozen=True)
class MerchantView:
    """What the read-only merchant page shows."""

    figures: Overview
    orders: list[DemoOrder]


def _row(challenge: Challenge) -> DemoOrder:
    status = challenge.status.value
    return DemoOrder(
        order_id=challenge.order_id or "",
        status=status,
        words=SMS_WORDS.get(status, status),
        phone=mask_phone(challenge.expected_phone) if challenge.expected_phone else "",
        created=when(challenge.created_at),
        wrong_codes=challenge.attempts,
        wrong_senders=challenge.suspicious,
    )


async def merchant_view(ctx: AppContext) -> MerchantView | None:
    """The demo tenant's last 30 days and its latest demo orders (None: no demo tenant)."""
    tenant = await ctx.tenants.get(DEMO_TENANT_ID)
    if tenant is None:
        return None
    store = ctx.challenges(DEMO_TENANT_ID)
    ids = list(dict.fromkeys(str(e["challenge"]) for e in await store.audit_trail(AUDIT_LENGTH)))
    rows = []
    for challenge_id in ids[:DEMO_ORDERS_SHOWN]:
        challenge = await store.get(challenge_id)
        if challenge is not None and challenge.order_id:
            rows.append(_row(challenge))
    return MerchantView(figures=await overview(ctx, tenant, 30), orders=rows)
