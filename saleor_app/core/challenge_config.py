"""The engine settings that shape challenges, with person-readable validation."""

from __future__ import annotations

from dataclasses import dataclass, field

from saleor_app.core.model import Challenge, SenderPolicy, new_challenge_id
from saleor_app.core.spec import MIN_BITS_WITHOUT_STRICT_SENDER, CodeSpec

TTL_RANGE = (120, 1800)
MAX_ATTEMPTS_RANGE = (1, 10)
MAX_RENEWALS_RANGE = (0, 20)


@dataclass(frozen=True)
class ChallengeConfig:
    """Code shape, lifetime, sender policy and limits of a tenant's challenges."""

    code: CodeSpec = field(default_factory=CodeSpec)
    ttl_seconds: int = 600
    sender_policy: SenderPolicy = SenderPolicy.STRICT
    max_attempts: int = 5
    max_renewals: int = 5
    sender_rate_limit: int = 10
    sender_rate_window_seconds: int = 600

    def validate(self) -> list[str]:
        """Person-readable problems with these settings; empty when valid."""
        problems = self.code.validate(strict_sender=self.sender_policy is SenderPolicy.STRICT)
        problems += _range_problem("The code lifetime in seconds", self.ttl_seconds, TTL_RANGE)
        problems += _range_problem(
            "The number of wrong-code SMS allowed", self.max_attempts, MAX_ATTEMPTS_RANGE
        )
        problems += _range_problem(
            "The number of code renewals", self.max_renewals, MAX_RENEWALS_RANGE
        )
        if self.sender_rate_limit < 1 or self.sender_rate_window_seconds < 1:
            problems.append("The per-sender SMS rate limit and its window must be positive.")
        return problems


def _range_problem(label: str, value: int, bounds: tuple[int, int]) -> list[str]:
    low, high = bounds
    return [] if low <= value <= high else [f"{label} must be between {low} and {high}."]


def open_challenge(
    config: ChallengeConfig,
    *,
    tenant: str,
    code: str,
    virtual_number: str,
    now: float,
    order_id: str | None = None,
    checkout_id: str | None = None,
    expected_phone: str | None = None,
) -> Challenge:
    """A new PENDING challenge; refuses one without expected phone when codes are under 32 bits,
    since it would accept any sender."""
    if expected_phone is None and config.code.bits < MIN_BITS_WITHOUT_STRICT_SENDER:
        raise ValueError("A challenge without an expected phone needs codes of at least 32 bits.")
    return Challenge(
        id=new_challenge_id(),
        tenant=tenant,
        code=code,
        virtual_number=virtual_number,
        created_at=now,
        expires_at=now + config.ttl_seconds,
        order_id=order_id,
        checkout_id=checkout_id,
        expected_phone=expected_phone,
        max_attempts=config.max_attempts,
        sender_policy=config.sender_policy,
    )
