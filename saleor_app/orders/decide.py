"""Deciding an order (ORDER_CREATED, reconciliation) or a checkout (CHECKOUT_*)."""

from __future__ import annotations

import logging
import time
from typing import Any

from saleor_app.context import AppContext
from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.core.risk import RiskAssessment, RiskDecision, RiskInput, RiskRules, assess
from saleor_app.engine.challenges import (
    CODE_DRAWS,
    CodeSpaceExhausted,
    NoVirtualNumber,
    draft,
    find,
    open_for,
)
from saleor_app.engine.limits import claim_once
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import NO_VIRTUAL_NUMBER_PROBLEM
from saleor_app.orders.decision_jobs import decision_jobs, problem_job
from saleor_app.orders.facts import History, Purchase, customer_digest
from saleor_app.orders.verdict import VERIFIED_AT_CHECKOUT_RULE, checkout_items
from saleor_app.orders.views import TenantGone, generation, with_view
from saleor_app.store.challenges import AUDIT_LENGTH, ChallengeStore, audit_entry
from saleor_app.store.decisions import CODE_TAKEN, WRITTEN, ChallengeWrite, DecisionWrite, write
from saleor_app.store.orders import (
    RETENTION_SECONDS,
    Decision,
    OrderRecord,
    OrderRepository,
    OrderState,
)
from saleor_app.store.outbox import OUTBOX_CHANNEL, outbox_key
from saleor_app.store.tenant_cache import TenantView
from saleor_app.store.tenant_settings import ChallengeMode, TenantSettings
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
NO_VIRTUAL_NUMBER = (
    "Reverse OTP holds risky orders for review: set the virtual number shoppers text in the "
    "app's settings."
)
VERIFIED_AT_CHECKOUT = {
    "rule": VERIFIED_AT_CHECKOUT_RULE,
    "weight": 0.0,
    "explanation": "The phone was verified by SMS during checkout.",
}

__all__ = ["decide_checkout", "decide_order", "rules_for"]


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


async def decide_order(
    ctx: AppContext, tenant: Tenant, order: dict[str, Any], source: str = "webhook"
) -> OrderRecord | None:
    """Decide an UNCONFIRMED order once: confirm it, hold it with a challenge, or hold it
    for review. Duplicates and orders in other states change nothing. Two round trips: the
    facts (the order claimed, counted), then the decision with its challenge and jobs."""
    if order.get("status") != "UNCONFIRMED":
        return None
    purchase = Purchase.from_order(order)
    orders = OrderRepository(ctx.store.client, tenant.id)
    history = History(ctx.store.client, tenant.id)
    claim = (orders.key(purchase.id), orders.claim_key(purchase.id), CLAIM_SECONDS)

    async def gather(view: TenantView) -> RiskInput | None:
        rules = rules_for(view.settings, purchase.channel)
        return await history.facts(purchase, rules, generation(view), claim)

    try:
        view, gathered = await with_view(ctx, tenant.id, gather)
        if gathered is None:
            return None
        facts = gathered

        async def write(view: TenantView) -> OrderRecord | None:
            return await _write_decision(ctx, view, orders, order, purchase, facts, source)

        return (await with_view(ctx, tenant.id, write, view))[1]
    except TenantGone:
        return None


async def _write_decision(
    ctx: AppContext,
    view: TenantView,
    orders: OrderRepository,
    order: dict[str, Any],
    purchase: Purchase,
    facts: RiskInput,
    source: str,
) -> OrderRecord | None:
    tenant_id, settings = view.tenant.id, view.settings
    rules = rules_for(settings, purchase.channel)
    assessment = assess(facts, rules)
    mode = settings.mode_for_channel(purchase.channel)
    decision = _apply_mode(assessment, mode, rules, purchase.phone is not None)
    reasons = [reason.as_dict() for reason in assessment.reasons]
    store = ctx.challenges(tenant_id)
    earlier: Challenge | None = None
    checkout_id = order.get("checkoutId")
    verified_at_checkout: Challenge | None = None
    if checkout_id and decision is RiskDecision.CHALLENGE:
        found = await find(store, "by-checkout", checkout_id)
        if found is not None and _proves(found, purchase.phone):
            decision = RiskDecision.ALLOW
            reasons.append(VERIFIED_AT_CHECKOUT)
            verified_at_checkout = found
        elif found is not None and _continues(found, purchase.phone, decision):
            earlier = found
            await store.link_order(found.id, purchase.id)
    problems: list[str] = []
    if decision is RiskDecision.CHALLENGE and earlier is None and not settings.virtual_number:
        decision = RiskDecision.REVIEW
        log.warning(
            "misconfiguration", extra={"tenant": tenant_id, "problem": NO_VIRTUAL_NUMBER_PROBLEM}
        )
        problems.append(problem_job(tenant_id, NO_VIRTUAL_NUMBER_PROBLEM, NO_VIRTUAL_NUMBER))
    fresh = decision is RiskDecision.CHALLENGE and earlier is None
    customer_key = History(ctx.store.client, tenant_id).customer_key(purchase)
    now = time.time()
    for _ in range(CODE_DRAWS):
        challenge = earlier
        if fresh:
            challenge = draft(settings, tenant_id, order_id=purchase.id, checkout_id=checkout_id,
                              expected_phone=purchase.phone, now=now)
        record = OrderRecord(
            order_id=purchase.id,
            number=str(order.get("number") or ""),
            channel=purchase.channel,
            decision=Decision(decision.value),
            score=assessment.score,
            reasons=reasons,
            state=OrderState.CONFIRMING if decision is RiskDecision.ALLOW else OrderState.HELD,
            decided_at=now,
            challenge_id=challenge.id if challenge else None,
            checkout_id=checkout_id,
            customer=customer_digest(purchase),
            phone_hint=purchase.phone_facts.masked if purchase.phone_facts else None,
            total=f"{purchase.total:.2f} {purchase.currency}",
            history=[{"at": now, "state": "DECIDED", "event": f"{decision.value} ({source})"}],
        )
        decided = DecisionWrite(
            record_key=orders.key(purchase.id),
            record=record.to_json(),
            index_key=orders.index_key,
            order_id=purchase.id,
            decided_at=now,
            retention_seconds=RETENTION_SECONDS,
            customer_key=customer_key,
            count_customer=bool(purchase.user_id or purchase.email),
            outbox_key=outbox_key(tenant_id),
            outbox_channel=OUTBOX_CHANNEL,
            tenant_id=tenant_id,
            jobs=[*problems, *decision_jobs(tenant_id, record, challenge)],
            challenge=_challenge_write(store, challenge) if fresh and challenge else None,
        )
        written = await write(ctx.store.client, generation(view), decided)
        if written != CODE_TAKEN:
            break
    else:
        raise CodeSpaceExhausted
    if written == WRITTEN and fresh:
        await store.indexed_after_create()
    if written != WRITTEN:
        return None
    if verified_at_checkout is not None and verified_at_checkout.verified_sender:
        await History(ctx.store.client, tenant_id).remember_verified_phone(
            verified_at_checkout.verified_sender,
            record.customer,
            rules.verified_within_days,
            verified_at_checkout.sender_line_type,
        )
    log.info(
        "order decided",
        extra={
            "tenant": tenant_id,
            "order": purchase.id,
            "decision": decision.value,
            "score": assessment.score,
        },
    )
    return record


def _challenge_write(store: ChallengeStore, challenge: Challenge) -> ChallengeWrite:
    keys, args = store.create_call(challenge)
    entry = audit_entry(challenge.id, "CREATED")
    return ChallengeWrite(keys, args, store.key("audit"), entry, AUDIT_LENGTH)


def _proves(challenge: Challenge, phone: str | None) -> bool:
    """A checkout's verification stands for the order's only if the order carries the phone it
    was opened for or verified from: it proves that phone, nothing else."""
    if challenge.status is not ChallengeStatus.VERIFIED or phone is None:
        return False
    return phone in (challenge.verified_sender, challenge.expected_phone)


def _continues(challenge: Challenge, phone: str | None, decision: RiskDecision) -> bool:
    return (
        decision is RiskDecision.CHALLENGE
        and challenge.status is ChallengeStatus.PENDING
        and challenge.expected_phone == phone
        and challenge.order_id is None
    )


async def decide_checkout(ctx: AppContext, tenant: Tenant, checkout: dict[str, Any]) -> str:
    """Score a checkout early and open its challenge, so the shopper can verify before paying;
    returns the decision."""
    purchase = Purchase.from_checkout(checkout)
    history = History(ctx.store.client, tenant.id)

    async def gather(view: TenantView) -> RiskInput | None:
        rules = rules_for(view.settings, purchase.channel)
        return await history.facts(purchase, rules, generation(view), None)

    try:
        view, facts = await with_view(ctx, tenant.id, gather)
    except TenantGone:
        return RiskDecision.ALLOW.value
    assert facts is not None
    settings = view.settings
    rules = rules_for(settings, purchase.channel)
    assessment = assess(facts, rules)
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
    except TenantGone:
        return RiskDecision.ALLOW.value
    items = checkout_items(
        decision=decision.value, score=f"{assessment.score:g}", challenge=challenge.id
    )
    await enqueue(
        ctx.jobs,
        "write_private_metadata",
        key=f"meta:{tenant.id}:{challenge.id}",
        tenant_id=tenant.id,
        object_id=purchase.id,
        items=items,
    )
    return decision.value
