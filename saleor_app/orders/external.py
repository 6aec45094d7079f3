"""Someone else decided an order (staff, another app, Saleor's expiry): close its challenge."""

from __future__ import annotations

import logging
import time
from typing import Any

from saleor_app.context import AppContext
from saleor_app.core.model import ChallengeStatus
from saleor_app.store.orders import OrderRepository, OrderState
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)


def _closing_status(state: OrderState, by_staff: bool) -> ChallengeStatus:
    """A staff member's confirm or cancel in Saleor is their decision; another party's
    confirm ends the challenge as expired, a cancel as rejected."""
    if state is OrderState.CONFIRMED:
        return ChallengeStatus.APPROVED if by_staff else ChallengeStatus.EXPIRED
    return ChallengeStatus.REJECTED_BY_STAFF if by_staff else ChallengeStatus.REJECTED


def issued_by_us(payload: dict[str, Any], tenant: Tenant) -> bool:
    """True when the event was caused by the app's own mutation."""
    principal = payload.get("issuingPrincipal") or {}
    return principal.get("__typename") == "App" and principal.get("id") == tenant.app_id


async def order_settled(
    ctx: AppContext, tenant: Tenant, payload: dict[str, Any], state: OrderState
) -> None:
    """Record the order's new state; when another party decided, close its challenge."""
    order = payload.get("order") or {}
    order_id = order.get("id")
    if not isinstance(order_id, str):
        return
    orders = OrderRepository(ctx.store.client, tenant.id)
    record = await orders.get(order_id)
    if record is None or record.state == state:
        return
    ours = issued_by_us(payload, tenant)
    who = (
        "the app"
        if ours
        else str((payload.get("issuingPrincipal") or {}).get("__typename") or "Saleor")
    )
    await orders.set_state(order_id, state, f"{state.value.lower()} by {who}")
    if ours or record.challenge_id is None:
        return
    store = ctx.challenges(tenant.id)
    status = _closing_status(state, by_staff=who == "User")
    if await store.finish(
        record.challenge_id, status, time.time(), f"order {state.value.lower()}", due_only=False
    ):
        await store.publish(record.challenge_id, status.value)
    log.info(
        "order decided elsewhere",
        extra={"tenant": tenant.id, "order": order_id, "state": state.value, "by": who},
    )
