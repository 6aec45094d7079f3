"""The stored challenge, its states and the pure transitions between them."""

from __future__ import annotations

import secrets
from dataclasses import MISSING, dataclass, fields, replace
from enum import StrEnum
from typing import Any

CHALLENGE_ID_PREFIX = "ch_"


class ChallengeStatus(StrEnum):
    """Stored states; the API's NOT_REQUIRED is never stored. APPROVED and REJECTED_BY_STAFF
    close a challenge on a person's decision (shoppers see NOT_REQUIRED and REJECTED)."""

    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"
    REJECTED_BY_STAFF = "REJECTED_BY_STAFF"


class SenderPolicy(StrEnum):
    """Which senders may verify: the expected phone, any phone of its country, or anyone."""

    STRICT = "STRICT"
    SAME_COUNTRY = "SAME_COUNTRY"
    ANY = "ANY"


def new_challenge_id() -> str:
    """An unguessable challenge id (96 random bits; lookups of ids are also rate-limited)."""
    return CHALLENGE_ID_PREFIX + secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Challenge:
    """One request to prove a phone number by SMS, for an order or a checkout."""

    id: str
    tenant: str
    code: str
    virtual_number: str
    created_at: float
    expires_at: float
    order_id: str | None = None
    checkout_id: str | None = None
    expected_phone: str | None = None
    status: ChallengeStatus = ChallengeStatus.PENDING
    attempts: int = 0
    max_attempts: int = 5
    sender_policy: SenderPolicy = SenderPolicy.STRICT
    verified_sender: str | None = None
    verified_at: float | None = None
    sender_line_type: str | None = None
    sender_carrier: str | None = None
    renewals: int = 0
    suspicious: int = 0
    verified_channel: str | None = None
    """"whatsapp" when the code came by WhatsApp; None for an SMS."""

    def is_expired(self, now: float) -> bool:
        """True from `expires_at` on."""
        return now >= self.expires_at

    @property
    def is_final(self) -> bool:
        """True once the challenge left PENDING."""
        return self.status is not ChallengeStatus.PENDING

    def to_dict(self) -> dict[str, str]:
        """Flat str→str mapping for a Redis hash; None becomes ""."""
        return {name: _to_text(getattr(self, name)) for name in _CHALLENGE_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Challenge:
        """Inverse of `to_dict`; raises ValueError on missing or malformed fields."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = data.get(field.name)
            if raw is None:
                if field.default is MISSING:
                    raise ValueError(f"Stored challenge lacks {field.name!r}")
                continue
            values[field.name] = _FROM_TEXT[field.name](raw)
        return cls(**values)


_CHALLENGE_FIELDS = tuple(field.name for field in fields(Challenge))


def _to_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _optional_text(raw: str) -> str | None:
    return raw or None


def _optional_float(raw: str) -> float | None:
    return float(raw) if raw else None


_FROM_TEXT: dict[str, Any] = {
    "id": str,
    "tenant": str,
    "code": str,
    "virtual_number": str,
    "created_at": float,
    "expires_at": float,
    "order_id": _optional_text,
    "checkout_id": _optional_text,
    "expected_phone": _optional_text,
    "status": ChallengeStatus,
    "attempts": int,
    "max_attempts": int,
    "sender_policy": SenderPolicy,
    "verified_sender": _optional_text,
    "verified_at": _optional_float,
    "sender_line_type": _optional_text,
    "sender_carrier": _optional_text,
    "renewals": int,
    "suspicious": int,
    "verified_channel": _optional_text,
}


def mark_verified(
    challenge: Challenge,
    sender: str,
    now: float,
    line_type: str | None = None,
    carrier: str | None = None,
) -> Challenge:
    """The challenge verified by `sender` at `now`."""
    return replace(
        challenge,
        status=ChallengeStatus.VERIFIED,
        verified_sender=sender,
        verified_at=now,
        sender_line_type=line_type,
        sender_carrier=carrier,
    )


def record_wrong_code(challenge: Challenge) -> Challenge:
    """One more wrong-code SMS from the expected sender; REJECTED at `max_attempts`."""
    attempts = challenge.attempts + 1
    status = ChallengeStatus.REJECTED if attempts >= challenge.max_attempts else challenge.status
    return replace(challenge, attempts=attempts, status=status)


def record_wrong_sender(challenge: Challenge) -> Challenge:
    """One more right-code SMS from a sender the policy refuses (suspicious, not an attempt)."""
    return replace(challenge, suspicious=challenge.suspicious + 1)


def mark_expired(challenge: Challenge) -> Challenge:
    """The challenge EXPIRED if it was still PENDING."""
    if challenge.is_final:
        return challenge
    return replace(challenge, status=ChallengeStatus.EXPIRED)


def can_renew(challenge: Challenge, max_renewals: int) -> bool:
    """True when a new code may replace the current one (not verified/rejected, renewals left)."""
    return (
        challenge.status in {ChallengeStatus.PENDING, ChallengeStatus.EXPIRED}
        and challenge.renewals < max_renewals
    )


def renew(challenge: Challenge, code: str, now: float, ttl_seconds: int) -> Challenge:
    """The challenge PENDING again with a new code and expiry; the old code is dead."""
    return replace(
        challenge,
        code=code,
        status=ChallengeStatus.PENDING,
        expires_at=now + ttl_seconds,
        renewals=challenge.renewals + 1,
    )
