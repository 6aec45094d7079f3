"""What an order's private metadata says about it: written only from the app's own record of
the order, never from the checkout's keys that Saleor copies onto the order.

Order keys (`reverse_otp.<name>`): decision, score, reasons, challenge, verified, verified_by,
staff_decision; every write sets all of them, so a copied or older value never survives a
decision. Checkout keys live under `reverse_otp.checkout.` and describe only the checkout."""

from __future__ import annotations

from typing import Any

from saleor_app.context import AppContext
from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.core.phones import mask_phone
from saleor_app.jobs.outbox import job_request
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import write_private_metadata
from saleor_app.store.orders import OrderRecord, OrderRepository

ORDER_PREFIX = "reverse_otp."
CHECKOUT_PREFIX = "reverse_otp.checkout."
VERIFIED_AT_CHECKOUT_RULE = "verified_at_checkout"


def checkout_items(**values: str) -> dict[str, str]:
    """Checkout metadata under its own keys (Saleor copies them onto the order)."""
    return {f"{CHECKOUT_PREFIX}{name}": value for name, value in values.items()}


def order_items(record: OrderRecord, challenge: Challenge | None) -> dict[str, str]:
    """Every order key, as the app's record says now."""
    by_sms = challenge is not None and challenge.status is ChallengeStatus.VERIFIED
    at_checkout = any(r.get("rule") == VERIFIED_AT_CHECKOUT_RULE for r in record.reasons)
    sender = challenge.verified_sender if by_sms and challenge is not None else None
    values = {
        "decision": record.decision.value,
        "score": f"{record.score:g}",
        "reasons": ",".join(str(r["rule"]) for r in record.reasons),
        "challenge": record.challenge_id or "",
        "verified": "true" if by_sms or at_checkout else "false",
        "verified_by": mask_phone(sender) if sender else "",
        "staff_decision": str((record.staff or {}).get("action", "")),
    }
    return {f"{ORDER_PREFIX}{name}": value for name, value in values.items()}


def verdict_key(tenant_id: str, order_id: str, why: str) -> str:
    """One metadata write per order and reason to write it."""
    return f"verdict:{tenant_id}:{order_id}:{why}"


def verdict_job(tenant_id: str, order_id: str, why: str) -> str:
    """The outbox request that writes the order's metadata after its decision."""
    return job_request(
        "write_order_verdict", verdict_key(tenant_id, order_id, why), tenant_id=tenant_id,
        order_id=order_id,
    )


async def write_verdict_later(app: AppContext, tenant_id: str, order_id: str, why: str) -> None:
    """Queue the metadata write after the order's record changed."""
    await enqueue(
        app.jobs, "write_order_verdict", key=verdict_key(tenant_id, order_id, why),
        tenant_id=tenant_id, order_id=order_id,
    )


async def write_order_verdict(ctx: dict[str, Any], *, tenant_id: str, order_id: str) -> None:
    """Job: the order's metadata from its record as read now (so a late retry writes the
    latest truth, not the one of its first attempt)."""
    app: AppContext = ctx["app"]
    record = await OrderRepository(app.store.client, tenant_id).get(order_id)
    if record is None:
        return
    challenge = (
        await app.challenges(tenant_id).get(record.challenge_id) if record.challenge_id else None
    )
    await write_private_metadata(
        ctx, tenant_id=tenant_id, object_id=order_id, items=order_items(record, challenge)
    )
