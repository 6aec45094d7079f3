"""One inbound SMS: dedupe, rate-limit, find the challenge by code, judge the sender."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from saleor_app.context import AppContext
from saleor_app.core.codes import extract_candidates
from saleor_app.core.phones import mask_phone, normalize_phone, region_of
from saleor_app.core.verdict import SmsVerdict, judge, judge_wrong_code
from saleor_app.engine.outcomes import challenge_changed
from saleor_app.sms.base import InboundSms
from saleor_app.store.challenges import ChallengeStore
from saleor_app.store.redis import RedisError
from saleor_app.store.tenant_settings import TenantSettings

log = logging.getLogger(__name__)

DEDUPE_SECONDS = 48 * 3600


class Handling(StrEnum):
    """Why an SMS was not judged at all."""

    DUPLICATE = "DUPLICATE"
    RATE_LIMITED = "RATE_LIMITED"
    UNREADABLE_SENDER = "UNREADABLE_SENDER"


@dataclass(frozen=True)
class InboundOutcome:
    """What one inbound SMS did."""

    outcome: str
    challenge_id: str | None = None


async def receive_sms(
    ctx: AppContext,
    tenant_id: str,
    settings: TenantSettings,
    sms: InboundSms,
    now: float | None = None,
) -> InboundOutcome:
    """Process an authenticated SMS exactly once per (provider, message id)."""
    moment = time.time() if now is None else now
    store = ctx.challenges(tenant_id)
    virtual = settings.virtual_number
    region = region_of(virtual) if virtual else None
    recipient = normalize_phone(sms.recipient, region) or virtual
    sender = normalize_phone(sms.sender, region_of(recipient) if recipient else region)
    candidates = extract_candidates(sms.text, settings.challenge_config().code)
    numbers = list(dict.fromkeys(n for n in (recipient, virtual) if n))
    lookups = [(n, c) for n in numbers for c in candidates] if sender else []
    claim = store.key("sms-seen", sms.provider, sms.message_id)
    rate_key = store.key("rate", "sender", sender) if sender else ""
    intake = await store.intake(
        claim, DEDUPE_SECONDS, rate_key, settings.sender_rate_window_seconds, lookups
    )
    if not intake.claimed:
        return _logged(tenant_id, sms, sender, InboundOutcome(Handling.DUPLICATE))
    if sender is None:
        return _logged(tenant_id, sms, sender, InboundOutcome(Handling.UNREADABLE_SENDER))
    if intake.sender_count > settings.sender_rate_limit:
        return _logged(tenant_id, sms, sender, InboundOutcome(Handling.RATE_LIMITED))
    try:
        challenge_id = next((found for found in intake.found if found), None)
        if challenge_id is not None:
            outcome = await _matched(ctx, store, challenge_id, sender, sms, moment)
        else:
            outcome = await _unmatched(ctx, store, sender, moment)
    except (RedisError, OSError):
        await ctx.store.client.delete(claim)
        raise
    return _logged(tenant_id, sms, sender, outcome)


async def _matched(
    ctx: AppContext,
    store: ChallengeStore,
    challenge_id: str,
    sender: str,
    sms: InboundSms,
    now: float,
) -> InboundOutcome:
    challenge = await store.get(challenge_id)
    if challenge is None:
        return InboundOutcome(SmsVerdict.NO_MATCH)
    verdict = judge(challenge, sender, now)
    if verdict is SmsVerdict.VERIFIED:
        result = await store.verify(challenge, sender, now, sms.line_type, sms.carrier)
        if result != "VERIFIED":
            verdict = SmsVerdict.LATE if result == "LATE" else SmsVerdict.ALREADY_FINAL
        else:
            await challenge_changed(ctx, store, challenge.id, "VERIFIED")
    if verdict in (SmsVerdict.WRONG_SENDER, SmsVerdict.LATE):
        await store.record_suspicious(challenge.id, verdict.value)
    return InboundOutcome(verdict, challenge.id)


async def _unmatched(
    ctx: AppContext, store: ChallengeStore, sender: str, now: float
) -> InboundOutcome:
    challenge_id = await store.id_for("by-phone", sender)
    challenge = await store.get(challenge_id) if challenge_id else None
    if challenge is None or challenge.expected_phone != sender:
        return InboundOutcome(SmsVerdict.NO_MATCH)
    verdict = judge_wrong_code(challenge, now)
    if verdict is not SmsVerdict.WRONG_CODE:
        return InboundOutcome(SmsVerdict.NO_MATCH, challenge.id)
    status, _ = await store.record_wrong_code(challenge.id, now)
    if status == "REJECTED":
        await challenge_changed(ctx, store, challenge.id, "REJECTED")
    return InboundOutcome(SmsVerdict.WRONG_CODE, challenge.id)


def _logged(
    tenant_id: str, sms: InboundSms, sender: str | None, outcome: InboundOutcome
) -> InboundOutcome:
    level = logging.WARNING if outcome.outcome in ("WRONG_SENDER", "RATE_LIMITED") else logging.INFO
    log.log(
        level,
        "inbound sms",
        extra={
            "tenant": tenant_id,
            "provider": sms.provider,
            "outcome": outcome.outcome,
            "challenge": outcome.challenge_id,
            "sender": mask_phone(sender) if sender else "unreadable",
        },
    )
    return outcome
