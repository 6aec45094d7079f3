"""Merchant decisions on a held order: approve (confirm) or reject (hold or cancel)."""

from __future__ import annotations

import time
from typing import Any

from saleor_app.context import AppContext
from saleor_app.core.model import ChallengeStatus
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import add_note_later, cancel_key, confirm_key
from saleor_app.orders.verdict import write_verdict_later
from saleor_app.store.orders import FINAL_STATES, OrderRecord, OrderRepository, OrderState
from saleor_app.store.tenant_settings import ExpiryPolicy
from saleor_app.store.tenants import Tenant


async def approve_order(
    ctx: AppContext, tenant: Tenant, order_id: str, staff: str, reason: str
) -> OrderRecord | None:
    """Confirm a held order in Saleor (durably, once) on a merchant's word."""
    orders = OrderRepository(ctx.store.client, tenant.id)
    record = await orders.get(order_id)
    if record is None or record.state in FINAL_STATES:
        return record
    decision = staff_decision("APPROVED", staff, reason)
    await _close_challenge(ctx, tenant.id, record, ChallengeStatus.APPROVED, decision)
    updated = await orders.set_state(
        order_id, OrderState.CONFIRMING, f"approved by {staff}", decision
    )
    await write_verdict_later(ctx, tenant.id, order_id, "approved")
    note = f"Reverse OTP: approved by {staff}" + (f": {reason}" if reason else ".")
    await enqueue(
        ctx.jobs,
        "confirm_order",
        key=confirm_key(tenant.id, order_id),
        tenant_id=tenant.id,
        order_id=order_id,
        note=note,
    )
    return updated


async def reject_order(
    ctx: AppContext, tenant: Tenant, order_id: str, staff: str, reason: str
) -> OrderRecord | None:
    """Reject a held order: cancel it or keep it held, as the merchant configured."""
    orders = OrderRepository(ctx.store.client, tenant.id)
    record = await orders.get(order_id)
    if record is None or record.state in FINAL_STATES:
        return record
    decision = staff_decision("REJECTED", staff, reason)
    await _close_challenge(ctx, tenant.id, record, ChallengeStatus.REJECTED_BY_STAFF, decision)
    settings = await ctx.tenant_settings.get(tenant.id)
    why = f": {reason}" if reason else "."
    if settings.reject_policy is ExpiryPolicy.CANCEL:
        updated = await orders.set_state(
            order_id, OrderState.CANCELLING, f"rejected by {staff}", decision
        )
        await write_verdict_later(ctx, tenant.id, order_id, "rejected")
        note = (
            f"Reverse OTP: rejected by {staff}{why} The order was cancelled; any payment "
            "must be refunded or voided through the payment app."
        )
        await enqueue(
            ctx.jobs,
            "cancel_order",
            key=cancel_key(tenant.id, order_id),
            tenant_id=tenant.id,
            order_id=order_id,
            note=note,
        )
        return updated
    updated = await orders.set_state(order_id, OrderState.HELD, f"rejected by {staff}", decision)
    await write_verdict_later(ctx, tenant.id, order_id, "rejected")
    await add_note_later(
        ctx,
        tenant.id,
        order_id,
        f"Reverse OTP: rejected by {staff}{why} The order stays held.",
        "rejected",
    )
    return updated


def staff_decision(action: str, staff: str, reason: str) -> dict[str, Any]:
    """What the order record keeps of a person's decision."""
    return {"action": action, "by": staff, "reason": reason, "at": time.time()}


async def _close_challenge(
    ctx: AppContext,
    tenant_id: str,
    record: OrderRecord,
    status: ChallengeStatus,
    decision: dict[str, Any],
) -> None:
    if record.challenge_id is None:
        return
    store = ctx.challenges(tenant_id)
    why = f"{decision['action'].lower()} by {decision['by']}"
    if await store.finish(record.challenge_id, status, time.time(), why, due_only=False):
        await store.publish(record.challenge_id, status.value)
