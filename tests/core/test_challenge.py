"""The challenge model, its transitions, settings and the SMS verdict."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_app.core.challenge import (
    Challenge,
    ChallengeConfig,
    ChallengeStatus,
    SenderPolicy,
    SmsVerdict,
    can_renew,
    judge,
    judge_wrong_code,
    mark_expired,
    mark_verified,
    new_challenge_id,
    open_challenge,
    record_wrong_code,
    record_wrong_sender,
    renew,
)
from saleor_app.core.codes import CodeAlphabet, CodeSpec

NOW = 1_700_000_000.0
EXPECTED = "+33612345678"
SAME_COUNTRY = "+33142685300"
ABROAD = "+4915112345678"
VIRTUAL = "+33757000000"


def make(
    policy: SenderPolicy = SenderPolicy.STRICT, expected: str | None = EXPECTED, **changes: object
) -> Challenge:
    challenge = open_challenge(
        ChallengeConfig(sender_policy=policy),
        tenant="https://shop.example/graphql/",
        code="ABCD1234",
        virtual_number=VIRTUAL,
        now=NOW,
        order_id="T3JkZXI6MQ==",
        expected_phone=expected,
    )
    return replace(challenge, **changes)  # type: ignore[arg-type]


def test_new_challenge_ids_are_unguessable() -> None:
    ids = {new_challenge_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"ch_[A-Za-z0-9_-]{16}", value) for value in ids), "96 random bits"


def test_open_challenge_uses_the_config() -> None:
    challenge = make()
    assert challenge.status is ChallengeStatus.PENDING
    assert challenge.expires_at == NOW + 600
    assert challenge.created_at == NOW
    assert challenge.max_attempts == 5
    assert challenge.attempts == challenge.renewals == challenge.suspicious == 0
    assert challenge.checkout_id is None


def test_open_challenge_without_phone_needs_strong_codes() -> None:
    weak = ChallengeConfig(code=CodeSpec(length=6, alphabet=CodeAlphabet.DIGITS))
    with pytest.raises(ValueError, match="32 bits"):
        open_challenge(weak, tenant="t", code="123456", virtual_number=VIRTUAL, now=NOW)
    strong = open_challenge(
        weak, tenant="t", code="123456", virtual_number=VIRTUAL, now=NOW, expected_phone=EXPECTED
    )
    assert strong.expected_phone == EXPECTED


def test_round_trip_through_a_flat_mapping() -> None:
    challenge = mark_verified(make(), EXPECTED, NOW + 12.5, "MOBILE", "Orange")
    stored = challenge.to_dict()
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in stored.items())
    assert stored["checkout_id"] == ""
    assert stored["status"] == "VERIFIED"
    assert Challenge.from_dict(stored) == challenge
    pending = make()
    assert Challenge.from_dict(pending.to_dict()) == pending


@given(
    st.builds(
        Challenge,
        id=st.text(),
        tenant=st.text(),
        code=st.text(),
        virtual_number=st.text(),
        created_at=st.floats(allow_nan=False, allow_infinity=False),
        expires_at=st.floats(allow_nan=False, allow_infinity=False),
        order_id=st.none() | st.text(min_size=1),
        verified_at=st.none() | st.floats(allow_nan=False, allow_infinity=False),
        status=st.sampled_from(ChallengeStatus),
        sender_policy=st.sampled_from(SenderPolicy),
        attempts=st.integers(0, 10),
    )
)
def test_round_trip_property(challenge: Challenge) -> None:
    assert Challenge.from_dict(challenge.to_dict()) == challenge


def test_from_dict_refuses_incomplete_or_malformed_data() -> None:
    stored = make().to_dict()
    del stored["code"]
    with pytest.raises(ValueError, match="code"):
        Challenge.from_dict(stored)
    with pytest.raises(ValueError):
        Challenge.from_dict({**make().to_dict(), "status": "LOST"})


def test_from_dict_defaults_missing_counters() -> None:
    challenge = make()
    stored = challenge.to_dict()
    del stored["suspicious"], stored["renewals"]
    assert Challenge.from_dict(stored) == challenge


def test_expiry_boundary() -> None:
    challenge = make()
    assert not challenge.is_expired(NOW + 599.999)
    assert challenge.is_expired(NOW + 600)


SENDER_CASES = [
    (SenderPolicy.STRICT, EXPECTED, EXPECTED, SmsVerdict.VERIFIED),
    (SenderPolicy.STRICT, EXPECTED, SAME_COUNTRY, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.STRICT, EXPECTED, ABROAD, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.STRICT, EXPECTED, None, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.STRICT, None, ABROAD, SmsVerdict.VERIFIED),
    (SenderPolicy.STRICT, None, None, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.SAME_COUNTRY, EXPECTED, EXPECTED, SmsVerdict.VERIFIED),
    (SenderPolicy.SAME_COUNTRY, EXPECTED, SAME_COUNTRY, SmsVerdict.VERIFIED),
    (SenderPolicy.SAME_COUNTRY, EXPECTED, ABROAD, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.SAME_COUNTRY, ABROAD, EXPECTED, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.SAME_COUNTRY, None, SAME_COUNTRY, SmsVerdict.VERIFIED),
    (SenderPolicy.SAME_COUNTRY, None, ABROAD, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.SAME_COUNTRY, EXPECTED, None, SmsVerdict.WRONG_SENDER),
    (SenderPolicy.ANY, EXPECTED, ABROAD, SmsVerdict.VERIFIED),
    (SenderPolicy.ANY, None, ABROAD, SmsVerdict.VERIFIED),
    (SenderPolicy.ANY, EXPECTED, None, SmsVerdict.WRONG_SENDER),
]
"""(policy, expected phone, sender, verdict): the sender rules, also run against the store's
receive script in tests/engine/test_verdict_conformance.py."""


@pytest.mark.parametrize(("policy", "expected", "sender", "verdict"), SENDER_CASES)
def test_judge_sender_policies(
    policy: SenderPolicy, expected: str | None, sender: str | None, verdict: SmsVerdict
) -> None:
    assert judge(make(policy, expected), sender, NOW + 1) is verdict


@pytest.mark.parametrize("policy", list(SenderPolicy))
def test_judge_late_from_expiry_on(policy: SenderPolicy) -> None:
    challenge = make(policy)
    assert judge(challenge, EXPECTED, NOW + 599.999) is SmsVerdict.VERIFIED
    assert judge(challenge, EXPECTED, NOW + 600) is SmsVerdict.LATE
    assert judge(challenge, ABROAD, NOW + 3600) is SmsVerdict.LATE


@pytest.mark.parametrize(
    "status", [ChallengeStatus.VERIFIED, ChallengeStatus.EXPIRED, ChallengeStatus.REJECTED]
)
def test_judge_final_challenges(status: ChallengeStatus) -> None:
    challenge = make(status=status)
    assert judge(challenge, EXPECTED, NOW + 1) is SmsVerdict.ALREADY_FINAL
    assert judge(challenge, EXPECTED, NOW + 9999) is SmsVerdict.ALREADY_FINAL
    assert judge_wrong_code(challenge, NOW + 1) is SmsVerdict.ALREADY_FINAL


def test_judge_wrong_code() -> None:
    assert judge_wrong_code(make(), NOW + 1) is SmsVerdict.WRONG_CODE
    assert judge_wrong_code(make(), NOW + 600) is SmsVerdict.LATE


def test_no_match_is_a_verdict_for_the_engine() -> None:
    assert SmsVerdict("NO_MATCH") is SmsVerdict.NO_MATCH


def test_wrong_codes_reject_at_max_attempts() -> None:
    challenge = make(max_attempts=3)
    for attempt in (1, 2):
        challenge = record_wrong_code(challenge)
        assert challenge.attempts == attempt
        assert challenge.status is ChallengeStatus.PENDING
    challenge = record_wrong_code(challenge)
    assert challenge.status is ChallengeStatus.REJECTED
    assert judge(challenge, EXPECTED, NOW + 1) is SmsVerdict.ALREADY_FINAL


def test_wrong_sender_is_suspicious_not_an_attempt() -> None:
    challenge = record_wrong_sender(record_wrong_sender(make()))
    assert challenge.suspicious == 2
    assert challenge.attempts == 0
    assert challenge.status is ChallengeStatus.PENDING


def test_mark_verified_records_the_sender() -> None:
    challenge = mark_verified(make(), EXPECTED, NOW + 5, "MOBILE", None)
    assert challenge.status is ChallengeStatus.VERIFIED
    assert challenge.verified_sender == EXPECTED
    assert challenge.verified_at == NOW + 5
    assert challenge.sender_line_type == "MOBILE"
    assert challenge.sender_carrier is None


def test_mark_expired_only_touches_pending() -> None:
    assert mark_expired(make()).status is ChallengeStatus.EXPIRED
    verified = make(status=ChallengeStatus.VERIFIED)
    assert mark_expired(verified) is verified


def test_renew() -> None:
    challenge = make()
    assert can_renew(challenge, max_renewals=1)
    renewed = renew(challenge, "WXYZ5678", NOW + 100, 600)
    assert renewed.code == "WXYZ5678"
    assert renewed.expires_at == NOW + 700
    assert renewed.renewals == 1
    assert renewed.id == challenge.id
    assert not can_renew(renewed, max_renewals=1)
    assert can_renew(mark_expired(challenge), max_renewals=5)
    assert renew(mark_expired(challenge), "X", NOW, 600).status is ChallengeStatus.PENDING
    assert not can_renew(make(status=ChallengeStatus.VERIFIED), max_renewals=5)
    assert not can_renew(make(status=ChallengeStatus.REJECTED), max_renewals=5)


def test_default_config_matches_the_recommended_defaults() -> None:
    config = ChallengeConfig()
    assert config.validate() == []
    assert config.code == CodeSpec(8, CodeAlphabet.CROCKFORD, "")
    assert (config.ttl_seconds, config.sender_policy, config.max_attempts) == (
        600,
        SenderPolicy.STRICT,
        5,
    )
    assert (config.sender_rate_limit, config.sender_rate_window_seconds) == (10, 600)


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        (ChallengeConfig(ttl_seconds=119), "between 120 and 1800"),
        (ChallengeConfig(ttl_seconds=1801), "between 120 and 1800"),
        (ChallengeConfig(max_attempts=0), "between 1 and 10"),
        (ChallengeConfig(max_attempts=11), "between 1 and 10"),
        (ChallengeConfig(max_renewals=-1), "renewals must be between 0 and 20"),
        (ChallengeConfig(sender_rate_limit=0), "rate limit"),
        (ChallengeConfig(code=CodeSpec(keyword="STOP")), "carriers intercept"),
        (
            ChallengeConfig(
                code=CodeSpec(length=6, alphabet=CodeAlphabet.DIGITS),
                sender_policy=SenderPolicy.ANY,
            ),
            "32 bits",
        ),
    ],
)
def test_config_validation(config: ChallengeConfig, fragment: str) -> None:
    assert any(fragment in problem for problem in config.validate()), config.validate()


@pytest.mark.parametrize("ttl", [120, 1800])
def test_config_bounds_are_inclusive(ttl: int) -> None:
    assert ChallengeConfig(ttl_seconds=ttl, max_attempts=10, max_renewals=0).validate() == []


def test_short_digit_codes_are_fine_under_strict() -> None:
    spec = CodeSpec(length=6, alphabet=CodeAlphabet.DIGITS)
    assert ChallengeConfig(code=spec).validate() == []
