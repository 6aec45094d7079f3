"""The order's fate once its challenge is decided: release, hold for review, or cancel."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from saleor_app.context import AppContext
from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.core.phones import mask_phone
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import add_note_later, cancel_key, confirm_key
from saleor_app.orders.decide import rules_for
from saleor_app.orders.facts import History
from saleor_app.orders.verdict import checkout_items, write_verdict_later
from saleor_app.store.funnel import FunnelEvent
from saleor_app.store.orders import OrderRepository, OrderState
from saleor_app.store.tenant_settings import ExpiryPolicy

log = logging.getLogger(__name__)

OPEN_STATES = (OrderState.HELD,)


FUNNEL_STEPS = {
    ChallengeStatus.VERIFIED: ("received", "verified"),
    ChallengeStatus.EXPIRED: ("expired",),
    ChallengeStatus.REJECTED: ("rejected",),
}


async def count_in_funnel(app: AppContext, challenge: Challenge) -> None:
    """The funnel steps a final status stands for (each once per challenge)."""
    channel = challenge.verified_channel or "sms"
    funnel = app.challenges(challenge.tenant).funnel
    moments = {"received": challenge.verified_at, "verified": challenge.verified_at,
               "expired": challenge.expires_at}
    for step in FUNNEL_STEPS.get(challenge.status, ()):
        event = FunnelEvent(step, channel if step in ("received", "verified") else "")
        await funnel.record(challenge, event, moments.get(step))


async def apply_challenge_outcome(
    ctx: dict[str, Any], *, tenant_id: str, challenge_id: str
) -> None:
    """Job: act on a VERIFIED, EXPIRED or REJECTED challenge (idempotent)."""
    app: AppContext = ctx["app"]
    challenge = await app.challenges(tenant_id).get(challenge_id)
    if challenge is None:
        return
    await count_in_funnel(app, challenge)
    settings = await app.tenant_settings.get(tenant_id)
    if challenge.order_id is None:
        if challenge.checkout_id and challenge.status is ChallengeStatus.VERIFIED:
            items = checkout_items(verified="true", challenge=challenge.id)
            await enqueue(
                app.jobs,
                "write_private_metadata",
                key=f"meta:{tenant_id}:{challenge.id}:verified",
                tenant_id=tenant_id,
                object_id=challenge.checkout_id,
                items=items,
            )
        return
    orders = OrderRepository(app.store.client, tenant_id)
    record = await orders.get(challenge.order_id)
    if record is None or record.state not in OPEN_STATES or record.challenge_id != challenge.id:
        return
    order_id = record.order_id
    if challenge.status is ChallengeStatus.VERIFIED and challenge.verified_sender:
        days = rules_for(settings, record.channel).verified_within_days
        await History(app.store.client, tenant_id).remember_verified_phone(
            challenge.verified_sender, record.customer, days, challenge.sender_line_type
        )
    if challenge.status is ChallengeStatus.VERIFIED:
        sender = mask_phone(challenge.verified_sender) if challenge.verified_sender else "?"
        when = datetime.fromtimestamp(challenge.verified_at or time.time(), UTC)
        note = f"Reverse OTP: verified by SMS from {sender} at {when:%Y-%m-%d %H:%M:%S} UTC."
        await orders.set_state(order_id, OrderState.CONFIRMING, "verified by SMS")
        await enqueue(
            app.jobs,
            "confirm_order",
            key=confirm_key(tenant_id, order_id),
            tenant_id=tenant_id,
            order_id=order_id,
            note=note,
        )
        await write_verdict_later(app, tenant_id, order_id, "verified")
        return
    what = "expired" if challenge.status is ChallengeStatus.EXPIRED else "was rejected"
    if settings.expiry_policy is ExpiryPolicy.CANCEL:
        note = (
            f"Reverse OTP: the SMS challenge {what}; the order was cancelled. Any payment "
            "must be refunded or voided through the payment app."
        )
        await orders.set_state(order_id, OrderState.CANCELLING, f"challenge {what}")
        await enqueue(
            app.jobs,
            "cancel_order",
            key=cancel_key(tenant_id, order_id),
            tenant_id=tenant_id,
            order_id=order_id,
            note=note,
        )
    else:
        note = f"Reverse OTP: the SMS challenge {what}; the order stays held for review."
        await orders.set_state(order_id, OrderState.HELD, f"challenge {what}")
        await add_note_later(app, tenant_id, order_id, note, f"challenge-{challenge.status}")
    log.info(
        "challenge outcome applied",
        extra={"tenant": tenant_id, "order": order_id, "status": challenge.status.value},
    )
