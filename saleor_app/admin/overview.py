"""Figures for the overview: held orders, challenge outcomes, time to verify, SMS saved."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from saleor_app.admin.rehearsal import test_challenges_key
from saleor_app.admin.types import DayStats, Overview
from saleor_app.context import AppContext
from saleor_app.store.challenges import AUDIT_LENGTH
from saleor_app.store.orders import OrderRecord, OrderRepository, OrderState
from saleor_app.store.redis import Commands
from saleor_app.store.tenants import Tenant

SHOPPER_SMS_EVENTS = ("VERIFIED", "WRONG_CODE", "WRONG_SENDER", "LATE")
RECENT_ORDERS = 1000
FALLBACK_CURRENCY = "EUR"


def _staff_decided(entry: dict[str, Any]) -> bool:
    """A challenge closed as EXPIRED when staff approved the order (before staff decisions had
    their own outcome) did not expire."""
    return entry["event"] == "EXPIRED" and "staff" in str(entry.get("why", ""))


def shop_currency(orders: list[OrderRecord]) -> str:
    """The currency most of the shop's recent orders were placed in."""
    seen = Counter(o.total.rpartition(" ")[2] for o in orders if " " in o.total)
    return seen.most_common(1)[0][0] if seen else FALLBACK_CURRENCY


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


async def overview(ctx: AppContext, tenant: Tenant, days: int) -> Overview:
    """Counts over the last `days` days (from the audit trail and the order records)."""
    settings = await ctx.tenant_settings.get(tenant.id)
    store = ctx.challenges(tenant.id)
    since = time.time() - days * 86400
    redis: Commands = ctx.store.client
    tests: set[str] = await redis.smembers(test_challenges_key(tenant.id))
    trail = [
        e
        for e in await store.audit_trail(AUDIT_LENGTH)
        if float(e["at"]) >= since and e["challenge"] not in tests and not _staff_decided(e)
    ]
    events = Counter(str(e["event"]) for e in trail)
    orders = await OrderRepository(ctx.store.client, tenant.id).recent(RECENT_ORDERS)
    held = sum(1 for o in orders if o.state is OrderState.HELD)
    price = settings.outbound_sms_price
    per_day: dict[str, dict[str, int]] = {}
    for entry in trail:
        event = str(entry["event"])
        if event in SHOPPER_SMS_EVENTS:
            bucket = per_day.setdefault(_day(float(entry["at"])), {"sms": 0, "verified": 0})
            bucket["sms"] += 1
            bucket["verified"] += event == "VERIFIED"
    received = sum(b["sms"] for b in per_day.values())
    return Overview(
        held=held,
        verified=events["VERIFIED"],
        expired=events["EXPIRED"],
        rejected=events["REJECTED"] + events["REJECTED_BY_STAFF"],
        rejected_by_staff=events["REJECTED_BY_STAFF"],
        approved_by_staff=events["APPROVED"],
        pending_challenges=await store.pending_count(),
        median_seconds_to_verify=await _median_to_verify(ctx, tenant.id, trail),
        sms_received=received,
        saved=round(received * price, 2),
        currency=settings.outbound_sms_currency or shop_currency(orders),
        outbound_sms_price=price,
        days=[
            DayStats(
                day=day,
                sms_received=b["sms"],
                verified=b["verified"],
                saved=round(b["sms"] * price, 2),
            )
            for day, b in sorted(per_day.items(), reverse=True)
        ],
    )


async def _median_to_verify(
    ctx: AppContext, tenant_id: str, trail: list[dict[str, Any]]
) -> float | None:
    store = ctx.challenges(tenant_id)
    ids = [str(e["challenge"]) for e in trail if e["event"] == "VERIFIED"][:200]
    spans = []
    for challenge_id in ids:
        challenge = await store.get(challenge_id)
        if challenge is not None and challenge.verified_at is not None:
            spans.append(challenge.verified_at - challenge.created_at)
    return round(statistics.median(spans), 1) if spans else None
