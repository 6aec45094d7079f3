"""One inbound SMS: dedupe, rate-limit, find the challenge by code, judge the sender."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from saleor_app.context import AppContext
from saleor_app.core.codes import extract_candidates
from saleor_app.core.phones import normalize_phone, phone_facts, region_of
from saleor_app.sms.base import InboundSms
from saleor_app.store.challenges import Received, Sms
from saleor_app.store.funnel import FunnelEvent
from saleor_app.store.tenant_cache import STALE, TenantView

log = logging.getLogger(__name__)

DEDUPE_SECONDS = 48 * 3600


@dataclass(frozen=True)
class InboundOutcome:
    """What one inbound SMS did (outcome STALE: nothing, the tenant view was out of date)."""

    outcome: str
    challenge_id: str | None = None


async def receive_sms(
    ctx: AppContext, view: TenantView, sms: InboundSms, now: float | None = None
) -> InboundOutcome:
    """Process an authenticated SMS exactly once per (provider, message id): one round trip
    claims it, counts the sender, matches the code, judges the sender and records the verdict
    (with its live event and the queued follow-up)."""
    tenant_id, settings = view.tenant.id, view.settings
    store = ctx.challenges(tenant_id)
    virtual = settings.virtual_number
    region = region_of(virtual) if virtual else None
    recipient = normalize_phone(sms.recipient, region) or virtual
    facts = phone_facts(sms.sender, region_of(recipient) if recipient else region)
    sender = facts.e164 if facts else None
    candidates = extract_candidates(sms.text, view.challenge_config.code)
    if recipient in settings.all_numbers:
        numbers = [recipient]
    elif sms.channel == "whatsapp" and recipient == settings.whatsapp_number:
        numbers = sorted(settings.all_numbers)
    else:
        numbers = list(dict.fromkeys(n for n in (recipient, virtual) if n))
    message = Sms(
        claim=store.key("sms-seen", sms.provider, sms.message_id),
        sender=sender,
        sender_region=(facts.region or "") if facts else "",
        codes=[(n, c) for n in numbers for c in candidates],
        now=time.time() if now is None else now,
        line_type=sms.line_type,
        carrier=sms.carrier,
        channel=sms.channel,
    )
    received = await store.receive(
        view.generation,
        message,
        DEDUPE_SECONDS,
        settings.sender_rate_window_seconds,
        settings.sender_rate_limit,
    )
    outcome = InboundOutcome(received.outcome, received.challenge_id)
    if received.outcome != STALE:
        _log(tenant_id, sms, facts.masked_e164 if facts else "unreadable", received)
    if received.challenge_id and received.changed_to != "VERIFIED" and received.outcome != STALE:
        challenge = await store.get(received.challenge_id)
        if challenge is not None:
            event = FunnelEvent("received", sms.channel or "sms")
            await store.funnel.record(challenge, event, message.now)
    return outcome


def _log(tenant_id: str, sms: InboundSms, sender: str, received: Received) -> None:
    """One line per SMS, with the challenge's new status when it changed."""
    outcome = received.outcome
    level = logging.WARNING if outcome in ("WRONG_SENDER", "RATE_LIMITED") else logging.INFO
    log.log(
        level,
        "inbound sms",
        extra={
            "tenant": tenant_id,
            "provider": sms.provider,
            "outcome": outcome,
            "challenge": received.challenge_id,
            "status": received.changed_to,
            "sender": sender,
        },
    )
