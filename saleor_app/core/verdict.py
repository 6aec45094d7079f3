"""What an inbound SMS does to a challenge: the pure decision, no I/O."""

from __future__ import annotations

from enum import StrEnum

from saleor_app.core.model import Challenge, SenderPolicy
from saleor_app.core.phones import same_country


class SmsVerdict(StrEnum):
    """Outcome of one inbound SMS."""

    VERIFIED = "VERIFIED"
    WRONG_SENDER = "WRONG_SENDER"
    WRONG_CODE = "WRONG_CODE"
    LATE = "LATE"
    ALREADY_FINAL = "ALREADY_FINAL"
    NO_MATCH = "NO_MATCH"


def judge(challenge: Challenge, sender_e164: str | None, now: float) -> SmsVerdict:
    """Verdict for an SMS carrying this challenge's code, sent by `sender_e164` (None: unreadable).

    Final challenges give ALREADY_FINAL, then `now >= expires_at` gives LATE. An unreadable sender
    never verifies. STRICT needs sender == expected phone; SAME_COUNTRY needs the expected phone's
    country, or the virtual number's when there is none; ANY accepts anyone. Without an expected
    phone, STRICT accepts the first sender, who becomes the verified phone (`open_challenge` only
    allows that with codes of 32 bits or more).
    """
    if challenge.is_final:
        return SmsVerdict.ALREADY_FINAL
    if challenge.is_expired(now):
        return SmsVerdict.LATE
    if sender_e164 is None or not sender_allowed(challenge, sender_e164):
        return SmsVerdict.WRONG_SENDER
    return SmsVerdict.VERIFIED


def judge_wrong_code(challenge: Challenge, now: float) -> SmsVerdict:
    """Verdict for an SMS from this challenge's expected phone that matched no code."""
    if challenge.is_final:
        return SmsVerdict.ALREADY_FINAL
    if challenge.is_expired(now):
        return SmsVerdict.LATE
    return SmsVerdict.WRONG_CODE


def sender_allowed(challenge: Challenge, sender_e164: str) -> bool:
    """True when the challenge's sender policy accepts this sender."""
    expected = challenge.expected_phone
    if challenge.sender_policy is SenderPolicy.STRICT:
        return expected is None or sender_e164 == expected
    if challenge.sender_policy is SenderPolicy.SAME_COUNTRY:
        return same_country(sender_e164, expected or challenge.virtual_number)
    return True
