"""Public face of the challenge model, its settings and the SMS verdict logic."""

from __future__ import annotations

from saleor_app.core.challenge_config import ChallengeConfig, open_challenge
from saleor_app.core.model import (
    Challenge,
    ChallengeStatus,
    SenderPolicy,
    can_renew,
    mark_expired,
    mark_verified,
    new_challenge_id,
    record_wrong_code,
    record_wrong_sender,
    renew,
)
from saleor_app.core.verdict import SmsVerdict, judge, judge_wrong_code, sender_allowed

__all__ = [
    "Challenge",
    "ChallengeConfig",
    "ChallengeStatus",
    "SenderPolicy",
    "SmsVerdict",
    "can_renew",
    "judge",
    "judge_wrong_code",
    "mark_expired",
    "mark_verified",
    "new_challenge_id",
    "open_challenge",
    "record_wrong_code",
    "record_wrong_sender",
    "renew",
    "sender_allowed",
]
