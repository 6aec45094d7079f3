"""Explainable risk rules: each rule adds its weight when it fires; the sum decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from saleor_app.core.countries import country_label

DEFAULT_AMOUNT_THRESHOLDS: Mapping[str, float] = {
    "EUR": 250.0,
    "USD": 275.0,
    "GBP": 220.0,
    "CHF": 250.0,
    "CAD": 375.0,
    "AUD": 400.0,
    "PLN": 1100.0,
    "SEK": 2800.0,
    "NOK": 2900.0,
    "DKK": 1900.0,
    "JPY": 40000.0,
}

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "high_amount": 35.0,
    "very_high_amount": 25.0,
    "guest_checkout": 15.0,
    "first_order": 10.0,
    "country_mismatch": 25.0,
    "phone_country_mismatch": 15.0,
    "no_phone": 20.0,
    "velocity_email": 30.0,
    "velocity_phone": 30.0,
    "velocity_address": 30.0,
    "disposable_email": 30.0,
    "voip_or_landline": 20.0,
    "recently_verified_phone": -45.0,
}

EXPLANATIONS: Mapping[str, str] = {
    "high_amount": "Order total {total} is at or above the {threshold} threshold.",
    "very_high_amount": "Order total {total} is at least four times the threshold.",
    "guest_checkout": "Guest checkout (no customer account).",
    "first_order": "First order from this customer seen by the app.",
    "country_mismatch": "Billing country {billing} differs from shipping country {shipping}.",
    "phone_country_mismatch": "Phone country {phone_country} differs from billing {billing}.",
    "no_phone": "No phone number on the order.",
    "velocity_email": "{count} orders with this e-mail within {hours} h.",
    "velocity_phone": "{count} orders with this phone within {hours} h.",
    "velocity_address": "{count} orders to this shipping address within {hours} h.",
    "disposable_email": "E-mail domain {domain} is a disposable address provider.",
    "voip_or_landline": "The phone is a {line_type} number, weak evidence of a handset.",
    "recently_verified_phone": "This phone was verified by SMS within {days} days.",
}


class RiskDecision(StrEnum):
    """What to do with an order: let it through, ask for the SMS, or hold for a person."""

    ALLOW = "ALLOW"
    CHALLENGE = "CHALLENGE"
    REVIEW = "REVIEW"


@dataclass(frozen=True)
class RiskRules:
    """Weights and thresholds of the rules; defaults suit a typical web shop."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    amount_thresholds: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_AMOUNT_THRESHOLDS)
    )
    default_amount_threshold: float = 250.0
    challenge_at: float = 50.0
    review_at: float = 120.0
    no_phone_decision: RiskDecision = RiskDecision.REVIEW
    velocity_limit: int = 3
    velocity_window_hours: int = 24
    verified_within_days: int = 30

    def with_overrides(self, overrides: Mapping[str, float]) -> RiskRules:
        """Rules with per-channel overrides: a rule id sets its weight; `amount.<CUR>`,
        `challenge_at`, `review_at`, `velocity_limit`, `velocity_window_hours` and
        `verified_within_days` set those thresholds."""
        weights = dict(self.weights)
        amounts = dict(self.amount_thresholds)
        scalars: dict[str, float] = {}
        for key, value in overrides.items():
            if key in weights:
                weights[key] = float(value)
            elif key.startswith("amount."):
                amounts[key.removeprefix("amount.").upper()] = float(value)
            elif key in SCALAR_OVERRIDES:
                scalars[key] = value
            else:
                raise ValueError(f"unknown risk rule or threshold: {key}")
        values: dict[str, Any] = {
            k: int(v) if k in INT_OVERRIDES else float(v) for k, v in scalars.items()
        }
        return replace(self, weights=weights, amount_thresholds=amounts, **values)

    def amount_threshold(self, currency: str) -> float:
        """The high-amount threshold in a currency."""
        return self.amount_thresholds.get(currency.upper(), self.default_amount_threshold)


SCALAR_OVERRIDES = frozenset(
    {
        "challenge_at",
        "review_at",
        "velocity_limit",
        "velocity_window_hours",
        "verified_within_days",
        "default_amount_threshold",
    }
)
INT_OVERRIDES = frozenset({"velocity_limit", "velocity_window_hours", "verified_within_days"})


@dataclass(frozen=True)
class RiskInput:
    """What the rules look at, gathered from the order or checkout and the app's history."""

    total: float
    currency: str
    is_guest: bool
    previous_orders: int
    billing_country: str | None
    shipping_country: str | None
    phone: str | None
    phone_country: str | None
    email_domain: str | None
    email_disposable: bool
    velocity: Mapping[str, int] = field(default_factory=dict)
    phone_line_type: str | None = None
    phone_verified_recently: bool = False


@dataclass(frozen=True)
class Reason:
    """One rule that fired, its weight and a sentence a merchant understands."""

    rule: str
    weight: float
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        """Plain form (records, metadata)."""
        return {"rule": self.rule, "weight": self.weight, "explanation": self.explanation}


@dataclass(frozen=True)
class RiskAssessment:
    """Score, the reasons behind it, and the decision."""

    score: float
    reasons: tuple[Reason, ...]
    decision: RiskDecision


def assess(facts: RiskInput, rules: RiskRules) -> RiskAssessment:
    """Apply every rule; CHALLENGE from `challenge_at`, REVIEW from `review_at`, and
    `no_phone_decision` when a challenge is due but there is no phone to verify."""
    fired = [reason for reason in _fire(facts, rules) if reason.weight != 0]
    score = round(sum(reason.weight for reason in fired), 2)
    if score >= rules.review_at:
        decision = RiskDecision.REVIEW
    elif score >= rules.challenge_at:
        decision = RiskDecision.CHALLENGE if facts.phone else rules.no_phone_decision
    else:
        decision = RiskDecision.ALLOW
    return RiskAssessment(score=score, reasons=tuple(fired), decision=decision)


def _fire(facts: RiskInput, rules: RiskRules) -> list[Reason]:
    weights = rules.weights
    threshold = rules.amount_threshold(facts.currency)
    total = f"{facts.total:.2f} {facts.currency}"
    hours = rules.velocity_window_hours

    def reason(rule: str, **values: object) -> Reason:
        return Reason(rule, weights.get(rule, 0.0), EXPLANATIONS[rule].format(**values))

    fired: list[Reason] = []
    if facts.total >= threshold:
        fired.append(reason("high_amount", total=total, threshold=f"{threshold:.2f}"))
    if facts.total >= 4 * threshold:
        fired.append(reason("very_high_amount", total=total))
    if facts.is_guest:
        fired.append(reason("guest_checkout"))
    elif facts.previous_orders == 0:
        fired.append(reason("first_order"))
    billing, shipping = facts.billing_country, facts.shipping_country
    if billing and shipping and billing != shipping:
        fired.append(
            reason(
                "country_mismatch", billing=country_label(billing), shipping=country_label(shipping)
            )
        )
    if facts.phone_country and billing and facts.phone_country != billing:
        fired.append(
            reason(
                "phone_country_mismatch",
                phone_country=country_label(facts.phone_country),
                billing=country_label(billing),
            )
        )
    if not facts.phone:
        fired.append(reason("no_phone"))
    for subject in ("email", "phone", "address"):
        count = facts.velocity.get(subject, 0)
        if count > rules.velocity_limit:
            fired.append(reason(f"velocity_{subject}", count=count, hours=hours))
    if facts.email_disposable:
        fired.append(reason("disposable_email", domain=facts.email_domain))
    if facts.phone_line_type in ("voip", "landline", "VOIP", "FIXED_LINE"):
        kind = "VoIP" if facts.phone_line_type.lower() == "voip" else "landline"
        fired.append(reason("voip_or_landline", line_type=kind))
    if facts.phone_verified_recently:
        fired.append(reason("recently_verified_phone", days=rules.verified_within_days))
    return fired
