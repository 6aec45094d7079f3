"""Opening, renewing and finding a tenant's challenges (core rules over the store)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from saleor_app.core.challenge_config import open_challenge
from saleor_app.core.codes import generate_code
from saleor_app.core.model import Challenge
from saleor_app.core.spec import MIN_BITS_WITHOUT_STRICT_SENDER, CodeSpec
from saleor_app.store.challenges import ChallengeStore
from saleor_app.store.tenant_settings import TenantSettings

CODE_DRAWS = 8


class NoVirtualNumber(Exception):
    """The merchant has not set the virtual number shoppers text."""


class CodeSpaceExhausted(Exception):
    """No free code was found in a few draws: the code space is too small for the load."""


async def open_for(
    store: ChallengeStore,
    settings: TenantSettings,
    *,
    order_id: str | None = None,
    checkout_id: str | None = None,
    expected_phone: str | None = None,
    now: float | None = None,
) -> Challenge:
    """A new PENDING challenge with a code unique among the number's pending ones."""
    if not settings.virtual_number:
        raise NoVirtualNumber
    moment = time.time() if now is None else now
    for _ in range(CODE_DRAWS):
        challenge = draft(
            settings,
            store.tenant_id,
            order_id=order_id,
            checkout_id=checkout_id,
            expected_phone=expected_phone,
            now=moment,
        )
        if await store.create(challenge):
            return challenge
    raise CodeSpaceExhausted


def draft(
    settings: TenantSettings,
    tenant_id: str,
    *,
    order_id: str | None,
    checkout_id: str | None,
    expected_phone: str | None,
    now: float,
) -> Challenge:
    """A new PENDING challenge with a freshly drawn code, not stored yet."""
    config = settings.challenge_config()
    return open_challenge(
        config,
        tenant=tenant_id,
        code=generate_code(config.code),
        virtual_number=settings.number_for(expected_phone),
        now=now,
        order_id=order_id,
        checkout_id=checkout_id,
        expected_phone=expected_phone,
    )


class RenewOutcome(StrEnum):
    """Result of a renewal request."""

    RENEWED = "RENEWED"
    LIMIT = "LIMIT"
    FINAL = "FINAL"
    MISSING = "MISSING"


_RENEW_OUTCOMES = {
    "RENEWED": RenewOutcome.RENEWED,
    "LIMIT": RenewOutcome.LIMIT,
    "MISSING": RenewOutcome.MISSING,
    "GONE": RenewOutcome.MISSING,
}


@dataclass(frozen=True)
class Renewal:
    """A renewal's outcome and the challenge as it now stands."""

    outcome: RenewOutcome
    challenge: Challenge | None


async def renew(
    store: ChallengeStore, challenge_id: str, settings: TenantSettings, now: float | None = None
) -> Renewal:
    """New code and expiry for a pending or expired challenge; the old code dies. The renewed
    challenge is judged entirely by the settings in force (code, sender policy, attempts), a
    pair the settings validate together, never the old policy with a new, shorter code; one
    without an expected phone keeps codes of at least 32 bits."""
    moment = time.time() if now is None else now
    config = settings.challenge_config()
    for _ in range(CODE_DRAWS):
        challenge = await store.get(challenge_id)
        if challenge is None:
            return Renewal(RenewOutcome.MISSING, None)
        spec = config.code
        if challenge.expected_phone is None and spec.bits < MIN_BITS_WITHOUT_STRICT_SENDER:
            spec = CodeSpec()
        result = await store.renew(
            challenge,
            generate_code(spec),
            moment,
            config.ttl_seconds,
            config.max_renewals,
            config.sender_policy,
            config.max_attempts,
        )
        if result == "CODE_TAKEN":
            continue
        outcome = _RENEW_OUTCOMES.get(result, RenewOutcome.FINAL)
        return Renewal(outcome, await store.get(challenge_id))
    raise CodeSpaceExhausted


async def find(store: ChallengeStore, index: str, subject: str) -> Challenge | None:
    """The latest challenge of an order or checkout (`by-order`, `by-checkout`)."""
    challenge_id = await store.id_for(index, subject)
    return await store.get(challenge_id) if challenge_id else None
