"""Telnyx: Ed25519 signatures made with PyNaCl and cryptography, checked by the SDK's helper."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.signing import SigningKey
from telnyx.lib.webhook_verification import verify_webhook_signature

from saleor_app.sms import (
    ADAPTERS,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.telnyx import line_type
from tests.sms.builders import JSON, inbound, url_for

KEY = SigningKey(bytes(range(32)))
PUBLIC_KEY = base64.b64encode(bytes(KEY.verify_key)).decode()
SECRETS = ProviderSecrets(telnyx_public_key=PUBLIC_KEY)
NOW = 1_760_000_000.0
adapter = ADAPTERS["telnyx"]


def envelope(event_type: str = "message.received", **payload: Any) -> dict[str, Any]:
    """Telnyx's documented inbound-message callback."""
    body: dict[str, Any] = {
        "cc": [],
        "completed_at": None,
        "cost": {"amount": "0.0000", "currency": "USD"},
        "direction": "inbound",
        "encoding": "GSM-7",
        "errors": [],
        "from": {
            "carrier": "Orange France",
            "line_type": "Wireless",
            "phone_number": "+33612345678",
            "status": "webhook_delivered",
        },
        "id": "b0c7e8cb-6227-4c74-9f32-c7f80c30934b",
        "media": [],
        "messaging_profile_id": "4000017d-48e2-4e24-a7a1-0b2f6b1e9d6c",
        "organization_id": "9d76d591-1b7a-4b1b-9d2a-cd4e7f2a1b3c",
        "parts": 1,
        "received_at": "2025-10-09T08:53:19.860+00:00",
        "record_type": "message",
        "sent_at": None,
        "subject": "",
        "tags": [],
        "text": "OTP 7K4Q92 é ✓",
        "to": [
            {
                "carrier": "Telnyx",
                "line_type": "Wireless",
                "phone_number": "+33757000001",
                "status": "webhook_delivered",
            }
        ],
        "type": "SMS",
        "valid_until": None,
        "webhook_failover_url": None,
        "webhook_url": "https://otp.example.com/api/sms/telnyx/tk",
    }
    body.update(payload)
    return {
        "data": {
            "event_type": event_type,
            "id": "c2a1f6b5-8e3d-4f1a-9b2c-7d6e5f4a3b21",
            "occurred_at": "2025-10-09T08:53:20.114+00:00",
            "payload": body,
            "record_type": "event",
        },
        "meta": {"attempt": 1, "delivered_to": "https://otp.example.com/api/sms/telnyx/tk"},
    }


EXPECTED = InboundSms(
    provider="telnyx",
    message_id="b0c7e8cb-6227-4c74-9f32-c7f80c30934b",
    sender="+33612345678",
    recipient="+33757000001",
    text="OTP 7K4Q92 é ✓",
    provider_time="2025-10-09T08:53:20.114+00:00",
    line_type="mobile",
    carrier="Orange France",
)


def signed(body: bytes, timestamp: int = int(NOW), key: SigningKey = KEY) -> InboundRequest:
    signature = key.sign(f"{timestamp}|".encode() + body).signature
    headers = {
        "Telnyx-Signature-Ed25519": base64.b64encode(signature).decode(),
        "Telnyx-Timestamp": str(timestamp),
    }
    return inbound(url_for("telnyx"), body=body, content_type=JSON, headers=headers)


def encode(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_documented_event_parses() -> None:
    assert adapter.parse(signed(encode(envelope())), SECRETS, NOW) == EXPECTED


def test_sdk_helper_accepts_what_we_accept() -> None:
    now = int(time.time())
    request = signed(encode(envelope()), now)
    assert adapter.parse(request, SECRETS, now) == EXPECTED
    verify_webhook_signature(request.body, dict(request.headers), PUBLIC_KEY)


def test_cryptography_signed_event_parses() -> None:
    private = Ed25519PrivateKey.generate()
    public = base64.b64encode(private.public_key().public_bytes_raw()).decode()
    body = encode(envelope())
    headers = {
        "telnyx-signature-ed25519": base64.b64encode(private.sign(b"1760000000|" + body)).decode(),
        "telnyx-timestamp": "1760000000",
    }
    request = inbound(url_for("telnyx"), body=body, content_type=JSON, headers=headers)
    assert adapter.parse(request, ProviderSecrets(telnyx_public_key=public), NOW) == EXPECTED


@pytest.mark.parametrize("skew", [-301, 31, 301, -86_400])
def test_stale_timestamp_is_refused(skew: int) -> None:
    with pytest.raises(SignatureError, match=r"older than|in the future"):
        adapter.parse(signed(encode(envelope()), int(NOW) + skew), SECRETS, NOW)


def test_edge_of_tolerance_is_accepted() -> None:
    assert adapter.parse(signed(encode(envelope()), int(NOW) - 300), SECRETS, NOW) == EXPECTED


def with_headers(request: InboundRequest, **changes: str | None) -> InboundRequest:
    headers = {k: v for k, v in request.headers.items()}
    for name, value in changes.items():
        name = name.replace("_", "-")
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    return inbound(request.public_url, body=request.body, content_type=JSON, headers=headers)


GOOD = signed(encode(envelope()))


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(with_headers(GOOD, telnyx_signature_ed25519=None), id="no-signature"),
        pytest.param(with_headers(GOOD, telnyx_timestamp=None), id="no-timestamp"),
        pytest.param(with_headers(GOOD, telnyx_timestamp="1760000001"), id="other-timestamp"),
        pytest.param(with_headers(GOOD, telnyx_signature_ed25519="not base64!"), id="bad-base64"),
        pytest.param(with_headers(GOOD, telnyx_signature_ed25519="AAAA"), id="short"),
        pytest.param(
            with_headers(GOOD, telnyx_signature_ed25519=base64.b64encode(bytes(64)).decode()),
            id="forged",
        ),
        pytest.param(signed(encode(envelope()), key=SigningKey(bytes(32))), id="wrong-key"),
        pytest.param(
            inbound(
                GOOD.public_url,
                body=GOOD.body.replace(b"+33612345678", b"+33699999999"),
                content_type=JSON,
                headers=dict(GOOD.headers),
            ),
            id="tampered",
        ),
    ],
)
def test_bad_signatures_are_refused(request_: InboundRequest) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(request_, SECRETS, NOW)


@pytest.mark.parametrize(
    "secrets",
    [
        ProviderSecrets(),
        ProviderSecrets(telnyx_public_key="AAAA"),
        ProviderSecrets(telnyx_public_key="?"),
    ],
    ids=["unconfigured", "short-key", "not-base64"],
)
def test_configuration_problems_are_refused(secrets: ProviderSecrets) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(GOOD, secrets, NOW)


@pytest.mark.parametrize("event_type", ["message.sent", "message.finalized", "call.initiated"])
def test_other_events_are_ignored(event_type: str) -> None:
    with pytest.raises(IgnoredEvent):
        adapter.parse(signed(encode(envelope(event_type))), SECRETS, NOW)


def test_mms_without_text_parses_as_empty_text() -> None:
    sms = adapter.parse(signed(encode(envelope(text=None, type="MMS"))), SECRETS, NOW)
    assert sms.text == ""


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"\xff\xfe",
        b"[]",
        b'{"data": []}',
        encode({"data": {"payload": {}}}),
        encode(envelope(to=[])),
        encode(envelope(to=["+33757000001"])),
        encode(envelope(id="")),
        encode(envelope(text=42)),
        encode(envelope(**{"from": {"phone_number": 33612345678}})),
        b"[" * 100_000,
    ],
)
def test_signed_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MalformedRequest):
        adapter.parse(signed(body), SECRETS, NOW)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Wireless", "mobile"),
        ("Wireline", "landline"),
        ("VoIP", "voip"),
        ("VoWiFi", "voip"),
        ("Pre-Paid Wireless", "prepaid_mobile"),
        ("", None),
        (None, None),
        ("Toll Free", "toll_free"),
    ],
)
def test_line_type_normalisation(given: str | None, expected: str | None) -> None:
    assert line_type(given) == expected


def test_acknowledgement() -> None:
    assert adapter.acknowledgement.status == 200
