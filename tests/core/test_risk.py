"""Each risk rule on its own, the defaults on the documented examples, and overrides."""

from __future__ import annotations

from dataclasses import replace

import pytest

from saleor_app.core.email_domains import email_domain, is_disposable
from saleor_app.core.risk import RiskDecision, RiskInput, RiskRules, assess

CALM = RiskInput(
    total=25.0,
    currency="EUR",
    is_guest=False,
    previous_orders=3,
    billing_country="FR",
    shipping_country="FR",
    phone="+33612345678",
    phone_country="FR",
    email_domain="example.com",
    email_disposable=False,
)
RULES = RiskRules()


def fired(facts: RiskInput, rules: RiskRules = RULES) -> set[str]:
    return {reason.rule for reason in assess(facts, rules).reasons}


def test_returning_customer_small_domestic_order_is_allowed() -> None:
    result = assess(CALM, RULES)
    assert result.decision is RiskDecision.ALLOW
    assert result.score == 0 and result.reasons == ()


def test_guest_900_eur_france_to_us_is_challenged() -> None:
    facts = replace(
        CALM, total=900.0, is_guest=True, previous_orders=0, shipping_country="US"
    )
    result = assess(facts, RULES)
    assert result.decision is RiskDecision.CHALLENGE
    assert {"high_amount", "guest_checkout", "country_mismatch"} <= fired(facts)
    assert all(reason.explanation for reason in result.reasons)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"total": 250.0}, "high_amount"),
        ({"total": 1000.0}, "very_high_amount"),
        ({"is_guest": True}, "guest_checkout"),
        ({"previous_orders": 0}, "first_order"),
        ({"shipping_country": "US"}, "country_mismatch"),
        ({"phone_country": "DE"}, "phone_country_mismatch"),
        ({"phone": None, "phone_country": None}, "no_phone"),
        ({"velocity": {"email": 4}}, "velocity_email"),
        ({"velocity": {"phone": 4}}, "velocity_phone"),
        ({"velocity": {"address": 4}}, "velocity_address"),
        ({"email_disposable": True, "email_domain": "mailinator.com"}, "disposable_email"),
        ({"phone_line_type": "voip"}, "voip_or_landline"),
        ({"phone_line_type": "landline"}, "voip_or_landline"),
        ({"phone_verified_recently": True}, "recently_verified_phone"),
    ],
)
def test_each_rule_fires_alone(change: dict, rule: str) -> None:
    facts = replace(CALM, **change)
    assert fired(facts) == {rule} | ({"high_amount"} if rule == "very_high_amount" else set())
    assert RULES.weights[rule] != 0


def test_rules_do_not_fire_just_below_their_thresholds() -> None:
    facts = replace(CALM, total=249.99, velocity={"email": 3, "phone": 3, "address": 3})
    assert fired(facts) == set()


def test_guest_is_not_also_first_order() -> None:
    assert fired(replace(CALM, is_guest=True, previous_orders=0)) == {"guest_checkout"}


def test_recently_verified_phone_lowers_the_score_below_challenge() -> None:
    risky = replace(CALM, total=900.0, is_guest=True, shipping_country="US")
    assert assess(risky, RULES).decision is RiskDecision.CHALLENGE
    returning = replace(risky, phone_verified_recently=True)
    assert assess(returning, RULES).decision is RiskDecision.ALLOW


def test_no_phone_turns_a_challenge_into_review_by_default() -> None:
    risky = replace(CALM, total=900.0, is_guest=True, shipping_country="US", phone=None)
    assert assess(risky, RULES).decision is RiskDecision.REVIEW
    lenient = replace(RULES, no_phone_decision=RiskDecision.CHALLENGE)
    assert assess(risky, lenient).decision is RiskDecision.CHALLENGE


def test_very_high_score_goes_to_review() -> None:
    facts = replace(
        CALM, total=5000.0, is_guest=True, shipping_country="US", email_disposable=True,
        email_domain="mailinator.com", velocity={"email": 9},
    )
    assert assess(facts, RULES).decision is RiskDecision.REVIEW


def test_per_channel_overrides() -> None:
    rules = RULES.with_overrides(
        {"guest_checkout": 60, "amount.EUR": 1000, "challenge_at": 55, "velocity_limit": 1}
    )
    assert assess(replace(CALM, is_guest=True), rules).decision is RiskDecision.CHALLENGE
    assert "high_amount" not in fired(replace(CALM, total=900.0), rules)
    assert "velocity_email" in fired(replace(CALM, velocity={"email": 2}), rules)
    with pytest.raises(ValueError, match="unknown risk rule"):
        RULES.with_overrides({"no_such_rule": 1})


def test_unknown_currency_uses_the_default_threshold() -> None:
    assert "high_amount" in fired(replace(CALM, total=300.0, currency="XAF"))


def test_disposable_domains_from_the_maintained_list() -> None:
    assert email_domain("Guest@Mailinator.COM") == "mailinator.com"
    assert is_disposable("mailinator.com")
    assert is_disposable("eu.mailinator.com")
    assert not is_disposable("gmail.com")
    assert not is_disposable(email_domain("no-at-sign"))


def test_country_rules_name_the_countries() -> None:
    facts = replace(CALM, billing_country="FR", shipping_country="GG", phone_country="US")
    texts = {reason.rule: reason.explanation for reason in assess(facts, RULES).reasons}
    assert texts["country_mismatch"] == (
        "Billing country France (FR) differs from shipping country Guernsey (GG)."
    )
    assert texts["phone_country_mismatch"] == (
        "Phone country United States (US) differs from billing France (FR)."
    )
