"""Deciding an order (ORDER_CREATED, reconciliation) or a checkout (CHECKOUT_*)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from saleor_app.context import AppContext
from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.core.phones import mask_phone
from saleor_app.core.risk import RiskAssessment, RiskDecision, RiskRules, assess
from saleor_app.engine.challenges import NoVirtualNumber, find, open_for
from saleor_app.engine.limits import claim_once
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import add_note_later
from saleor_app.orders.facts import History, Purchase
from saleor_app.store.orders import Decision, OrderRecord, OrderRepository, OrderState
from saleor_app.store.tenant_settings import ChallengeMode, TenantSettings
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
METADATA_PREFIX = "reverse_otp."


def rules_for(settings: TenantSettings, channel: str) -> RiskRules:
    """The risk rules in force in a channel."""
    overrides = settings.channels.get(channel)
    return RiskRules().with_overrides(overrides.risk) if overrides else RiskRules()


def _apply_mode(
    assessment: RiskAssessment, mode: ChallengeMode, rules: RiskRules, has_phone: bool
) -> RiskDecision:
    if mode is ChallengeMode.OFF:
        return RiskDecision.ALLOW
    if mode is ChallengeMode.ALWAYS and assessment.decision is RiskDecision.ALLOW:
        return RiskDecision.CHALLENGE if has_phone else rules.no_phone_decision
    return assessment.decision


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def decide_order(
    ctx: AppContext, tenant: Tenant, order: dict[str, Any], source: str = "webhook"
) -> OrderRecord | None:
    """Decide an UNCONFIRMED order once: confirm it, hold it with a challenge, or hold it
    for review. Duplicates and orders in other states change nothing."""
    if order.get("status") != "UNCONFIRMED":
        return None
    purchase = Purchase.from_order(order)
    orders = OrderRepository(ctx.store.client, tenant.id)
    if await orders.get(purchase.id) is not None:
        return None
    store = ctx.challenges(tenant.id)
    if not await claim_once(ctx.store.client, store.key("order-claim", purchase.id), CLAIM_SECONDS):
        return None
    settings = await ctx.tenant_settings.get(tenant.id)
    rules = rules_for(settings, purchase.channel)
    history = History(ctx.store.client, tenant.id)
    assessment = assess(await history.facts(purchase, rules, count_order=True), rules)
    mode = settings.mode_for_channel(purchase.channel)
    decision = _apply_mode(assessment, mode, rules, purchase.phone is not None)
    reasons = [asdict(reason) for reason in assessment.reasons]
    challenge: Challenge | None = None
    checkout_id = order.get("checkoutId")
    if checkout_id and decision is not RiskDecision.ALLOW:
        earlier = await find(store, "by-checkout", checkout_id)
        if earlier is not None and _proves(earlier, purchase.phone):
            decision = RiskDecision.ALLOW
            reasons.append(
                {
                    "rule": "verified_at_checkout",
                    "weight": 0.0,
                    "explanation": "The phone was verified by SMS during checkout.",
                }
            )
        elif earlier is not None and _continues(earlier, purchase.phone, decision):
            challenge = earlier
            await store.link_order(earlier.id, purchase.id)
    if decision is RiskDecision.CHALLENGE and challenge is None:
        try:
            challenge = await open_for(
                store,
                settings,
                order_id=purchase.id,
                checkout_id=checkout_id,
                expected_phone=purchase.phone,
            )
        except NoVirtualNumber:
            decision = RiskDecision.REVIEW
            await _problem(
                ctx,
                tenant.id,
                "no-virtual-number",
                "Reverse OTP holds risky orders for review: set the virtual number "
                "shoppers text in the app's settings.",
            )
    record = OrderRecord(
        order_id=purchase.id,
        number=str(order.get("number") or ""),
        channel=purchase.channel,
        decision=Decision(decision.value),
        score=assessment.score,
        reasons=reasons,
        state=OrderState.CONFIRMING if decision is RiskDecision.ALLOW else OrderState.HELD,
        decided_at=time.time(),
        challenge_id=challenge.id if challenge else None,
        checkout_id=checkout_id,
        phone_hint=mask_phone(purchase.phone) if purchase.phone else None,
        total=f"{purchase.total:.2f} {purchase.currency}",
        history=[{"at": time.time(), "state": "DECIDED", "event": f"{decision.value} ({source})"}],
    )
    if not await orders.create(record):
        return None
    await history.count_customer_order(purchase)
    await _write_metadata(ctx, tenant.id, purchase.id, record)
    if decision is RiskDecision.ALLOW:
        await enqueue(
            ctx.queue,
            "confirm_order",
            key=f"confirm:{tenant.id}:{purchase.id}",
            tenant_id=tenant.id,
            order_id=purchase.id,
        )
    else:
        await add_note_later(ctx, tenant.id, purchase.id, _hold_note(record, challenge), "held")
    log.info(
        "order decided",
        extra={
            "tenant": tenant.id,
            "order": purchase.id,
            "decision": decision.value,
            "score": assessment.score,
        },
    )
    return record


def _proves(challenge: Challenge, phone: str | None) -> bool:
    if challenge.status is not ChallengeStatus.VERIFIED:
        return False
    return phone is None or challenge.verified_sender == phone or challenge.expected_phone == phone


def _continues(challenge: Challenge, phone: str | None, decision: RiskDecision) -> bool:
    return (
        decision is RiskDecision.CHALLENGE
        and challenge.status is ChallengeStatus.PENDING
        and challenge.expected_phone == phone
        and challenge.order_id is None
    )


def _hold_note(record: OrderRecord, challenge: Challenge | None) -> str:
    reasons = "; ".join(str(r["explanation"]) for r in record.reasons) or "no rule fired"
    head = f"Reverse OTP held this order (risk score {record.score:g}): {reasons}."
    if challenge is None:
        return head + " Decision: REVIEW. Approve or reject it in the Reverse OTP app."
    return (
        f"{head} The shopper was asked to send the code by SMS from "
        f"{record.phone_hint or 'their phone'} before {_when(challenge.expires_at)}."
    )


async def _write_metadata(
    ctx: AppContext, tenant_id: str, object_id: str, record: OrderRecord
) -> None:
    reasons = ",".join(str(r["rule"]) for r in record.reasons)
    items = {
        f"{METADATA_PREFIX}decision": record.decision.value,
        f"{METADATA_PREFIX}score": f"{record.score:g}",
        f"{METADATA_PREFIX}reasons": reasons,
        f"{METADATA_PREFIX}challenge": record.challenge_id or "",
    }
    await enqueue(
        ctx.queue,
        "write_private_metadata",
        key=f"meta:{tenant_id}:{object_id}:{record.decision.value}",
        tenant_id=tenant_id,
        object_id=object_id,
        items=items,
    )


async def _problem(ctx: AppContext, tenant_id: str, key: str, message: str) -> None:
    log.warning("misconfiguration", extra={"tenant": tenant_id, "problem": key})
    await enqueue(
        ctx.queue,
        "report_problem",
        key=f"problem:{tenant_id}:{key}",
        tenant_id=tenant_id,
        problem_key=key,
        message=message,
    )


async def decide_checkout(ctx: AppContext, tenant: Tenant, checkout: dict[str, Any]) -> str:
    """Score a checkout early and open its challenge, so the shopper can verify before paying;
    returns the decision."""
    purchase = Purchase.from_checkout(checkout)
    settings = await ctx.tenant_settings.get(tenant.id)
    rules = rules_for(settings, purchase.channel)
    history = History(ctx.store.client, tenant.id)
    assessment = assess(await history.facts(purchase, rules, count_order=False), rules)
    mode = settings.mode_for_channel(purchase.channel)
    decision = _apply_mode(assessment, mode, rules, purchase.phone is not None)
    if decision is not RiskDecision.CHALLENGE or purchase.phone is None:
        return decision.value
    store = ctx.challenges(tenant.id)
    earlier = await find(store, "by-checkout", purchase.id)
    if (
        earlier is not None
        and earlier.expected_phone == purchase.phone
        and earlier.status in (ChallengeStatus.PENDING, ChallengeStatus.VERIFIED)
    ):
        return decision.value
    claim = store.key("checkout-claim", purchase.id, purchase.phone)
    if not await claim_once(ctx.store.client, claim, CLAIM_SECONDS):
        return decision.value
    try:
        challenge = await open_for(
            store, settings, checkout_id=purchase.id, expected_phone=purchase.phone
        )
    except NoVirtualNumber:
        return RiskDecision.REVIEW.value
    items = {
        f"{METADATA_PREFIX}decision": decision.value,
        f"{METADATA_PREFIX}score": f"{assessment.score:g}",
        f"{METADATA_PREFIX}challenge": challenge.id,
    }
    await enqueue(
        ctx.queue,
        "write_private_metadata",
        key=f"meta:{tenant.id}:{challenge.id}",
        tenant_id=tenant.id,
        object_id=purchase.id,
        items=items,
    )
    return decision.value
