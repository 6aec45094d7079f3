"""The generic contract: JSON body, `X-Signature: t=<unix>,v1=<hex HMAC-SHA256("t.body")>`."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from saleor_app.sms import (
    ADAPTERS,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
    sign_generic,
)
from tests.sms.builders import JSON, inbound, url_for

SECRET = "whsec_generic_0123456789abcdef"
SECRETS = ProviderSecrets(generic_secret=SECRET)
NOW = 1_760_000_000.0
T = int(NOW)
adapter = ADAPTERS["generic"]
BODY = json.dumps(
    {"from": "+33612345678", "to": "+33757000001", "text": "OTP 7K4Q92 é", "id": "gw-0001"},
    ensure_ascii=False,
).encode()
EXPECTED = InboundSms(
    provider="generic",
    message_id="gw-0001",
    sender="+33612345678",
    recipient="+33757000001",
    text="OTP 7K4Q92 é",
)


def request(
    body: bytes = BODY, signature: str | None = None, method: str = "POST"
) -> InboundRequest:
    headers = {} if signature is None else {"X-Signature": signature}
    return inbound(url_for("generic"), method=method, body=body, content_type=JSON, headers=headers)


def reference(secret: str, body: bytes, t: int) -> str:
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def test_sign_generic_matches_the_contract() -> None:
    assert sign_generic(SECRET, BODY, T) == reference(SECRET, BODY, T)


def test_signed_message_parses() -> None:
    assert adapter.parse(request(signature=sign_generic(SECRET, BODY, T)), SECRETS, NOW) == EXPECTED


@pytest.mark.parametrize("skew", [-300, 0, 30])
def test_within_tolerance_is_accepted(skew: int) -> None:
    signature = sign_generic(SECRET, BODY, T + skew)
    assert adapter.parse(request(signature=signature), SECRETS, NOW) == EXPECTED


def test_rotation_several_v1_and_spaces() -> None:
    digest = sign_generic(SECRET, BODY, T).split("v1=")[1]
    header = f"t={T}, v1={'0' * 64}, v1={digest.upper()}"
    assert adapter.parse(request(signature=header), SECRETS, NOW) == EXPECTED


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param(f"t={T}", id="no-v1"),
        pytest.param(sign_generic(SECRET, BODY, T).split(",")[1], id="no-t"),
        pytest.param(sign_generic(SECRET, BODY, T - 301), id="stale"),
        pytest.param(sign_generic(SECRET, BODY, T + 31), id="future"),
        pytest.param(sign_generic("other", BODY, T), id="wrong-secret"),
        pytest.param(sign_generic(SECRET, BODY + b" ", T), id="tampered"),
        pytest.param(f"t={T},v1=zz", id="forged"),
        pytest.param(f"t={T},v1=é", id="non-ascii"),
        pytest.param(sign_generic(SECRET, BODY, T).replace(f"t={T}", f"t={T + 1}"), id="t-changed"),
        pytest.param(f"t=-{T},v1=00", id="negative-t"),
    ],
)
def test_bad_signatures_are_refused(signature: str | None) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(request(signature=signature), SECRETS, NOW)


def test_unconfigured_tenant_is_refused() -> None:
    with pytest.raises(SignatureError, match="not configured"):
        adapter.parse(request(signature=sign_generic(SECRET, BODY, T)), ProviderSecrets(), NOW)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff",
        b"[]",
        b'"text"',
        b'{"from": "+1", "to": "+2", "text": "x"}',
        b'{"from": "+1", "to": "+2", "text": "x", "id": 7}',
        b'{"from": "+1", "to": "+2", "text": null, "id": "a"}',
        b'{"from": "", "to": "+2", "text": "x", "id": "a"}',
        b'{"from": true, "to": "+2", "text": "x", "id": "a"}',
    ],
)
def test_signed_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MalformedRequest):
        adapter.parse(request(body, sign_generic(SECRET, body, T)), SECRETS, NOW)


def test_get_is_malformed() -> None:
    with pytest.raises(MalformedRequest):
        adapter.parse(request(signature=sign_generic(SECRET, BODY, T), method="GET"), SECRETS, NOW)


def test_acknowledgement_is_json() -> None:
    ack = adapter.acknowledgement
    assert (ack.status, ack.content_type, json.loads(ack.body)) == (
        200,
        "application/json",
        {"ok": True},
    )
