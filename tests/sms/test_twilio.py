"""Twilio: signatures checked against the official SDK's RequestValidator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from twilio.request_validator import RequestValidator

from saleor_app.sms import (
    ADAPTERS,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.twilio import compute_signature, url_variants
from tests.sms.builders import FORM, form, inbound, url_for

TOKEN = "12345678901234567890123456789012"
SECRETS = ProviderSecrets(twilio_auth_token=TOKEN)
URL = url_for("twilio")
NOW = 1_760_000_000.0
adapter = ADAPTERS["twilio"]

PARAMS = {
    "ToCountry": "FR",
    "ToState": "",
    "SmsMessageSid": "SM1f0e8ad5b5d9e2a2a5f8b1c7d3e4f5a6",
    "NumMedia": "0",
    "ToCity": "",
    "FromZip": "",
    "SmsSid": "SM1f0e8ad5b5d9e2a2a5f8b1c7d3e4f5a6",
    "FromState": "",
    "SmsStatus": "received",
    "FromCity": "",
    "Body": "OTP 7K4Q-92 é✓ a&b=c",
    "FromCountry": "FR",
    "To": "+33757000001",
    "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef",
    "ToZip": "",
    "NumSegments": "1",
    "MessageSid": "SM1f0e8ad5b5d9e2a2a5f8b1c7d3e4f5a6",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+33612345678",
    "ApiVersion": "2010-04-01",
}

EXPECTED = InboundSms(
    provider="twilio",
    message_id="SM1f0e8ad5b5d9e2a2a5f8b1c7d3e4f5a6",
    sender="+33612345678",
    recipient="+33757000001",
    text="OTP 7K4Q-92 é✓ a&b=c",
)


def post(params: dict[str, str], signature: str | None, **headers: str) -> InboundRequest:
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return inbound(URL, body=form(params), content_type=FORM, headers=headers)


def sdk_signature(params: dict[str, str], url: str = URL, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def test_documented_post_parses() -> None:
    assert adapter.parse(post(PARAMS, sdk_signature(PARAMS)), SECRETS, NOW) == EXPECTED


def test_our_signature_validates_with_the_sdk() -> None:
    ours = compute_signature(TOKEN, URL, list(PARAMS.items()))
    assert RequestValidator(TOKEN).validate(URL, PARAMS, ours)
    assert ours == sdk_signature(PARAMS)


def test_get_signs_the_url_only() -> None:
    url = url_for("twilio", "MessageSid=SM1&From=%2B33612345678&To=%2B33757000001&Body=hi+there")
    request = inbound(url, method="GET", headers={"X-Twilio-Signature": sdk_signature({}, url)})
    sms = adapter.parse(request, SECRETS, NOW)
    assert (sms.message_id, sms.sender, sms.text) == ("SM1", "+33612345678", "hi there")


@pytest.mark.parametrize(
    ("public", "signed"),
    [
        ("https://otp.example.com/p", "https://otp.example.com:443/p"),
        ("https://otp.example.com:443/p", "https://otp.example.com/p"),
        ("http://otp.example.com/p?x=1", "http://otp.example.com:80/p?x=1"),
    ],
)
def test_port_variants_are_accepted(public: str, signed: str) -> None:
    request = inbound(
        public,
        body=form(PARAMS),
        content_type=FORM,
        headers={"X-Twilio-Signature": sdk_signature(PARAMS, signed)},
    )
    assert adapter.parse(request, SECRETS, NOW) == EXPECTED
    assert signed in url_variants(public)


def test_hmac_sha256_shared_key_variant() -> None:
    key = "shared-key-secret"
    signature = RequestValidator(key).compute_signature(URL, PARAMS, algorithm="HMAC_SHA256")
    settings = "key=webhooks_sharedkey_abc,algorithm=HMAC_SHA256"
    request = post(PARAMS, signature, **{"X-Twilio-Webhooks-Signature-Settings": settings})
    secrets = ProviderSecrets(twilio_auth_token=TOKEN, twilio_shared_key=key)
    assert adapter.parse(request, secrets, NOW) == EXPECTED
    with pytest.raises(SignatureError):
        adapter.parse(post(PARAMS, signature), secrets, NOW)


def test_unknown_algorithm_is_refused() -> None:
    settings = "key=k,algorithm=HMAC_MD5"
    request = post(
        PARAMS, sdk_signature(PARAMS), **{"X-Twilio-Webhooks-Signature-Settings": settings}
    )
    with pytest.raises(SignatureError):
        adapter.parse(request, SECRETS, NOW)


def test_repeated_params_are_signed_sorted() -> None:
    body = form(PARAMS) + b"&MediaUrl=b&MediaUrl=a"

    class Multi(dict[str, str]):
        def getall(self, name: str) -> list[str]:
            return ["b", "a"] if name == "MediaUrl" else [self[name]]

    signature = RequestValidator(TOKEN).compute_signature(URL, Multi(PARAMS, MediaUrl="b"))
    request = inbound(URL, body=body, content_type=FORM, headers={"x-twilio-signature": signature})
    assert adapter.parse(request, SECRETS, NOW) == EXPECTED


@pytest.mark.parametrize(
    "request_factory",
    [
        pytest.param(lambda: post(PARAMS, None), id="missing"),
        pytest.param(lambda: post(PARAMS, ""), id="empty"),
        pytest.param(lambda: post(PARAMS, "bm90IGEgc2lnbmF0dXJl"), id="forged"),
        pytest.param(lambda: post(PARAMS, sdk_signature(PARAMS, token="x" * 32)), id="wrong-token"),
        pytest.param(
            lambda: post({**PARAMS, "From": "+33699999999"}, sdk_signature(PARAMS)), id="tampered"
        ),
        pytest.param(
            lambda: post(PARAMS, sdk_signature(PARAMS, URL.replace("tk_", "tk_x"))), id="other-url"
        ),
        pytest.param(lambda: post(PARAMS, sdk_signature(PARAMS) + "é"), id="non-ascii"),
    ],
)
def test_bad_signatures_are_refused(request_factory: Callable[[], InboundRequest]) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(request_factory(), SECRETS, NOW)


def test_unconfigured_tenant_is_refused() -> None:
    with pytest.raises(SignatureError, match="not configured"):
        adapter.parse(post(PARAMS, sdk_signature(PARAMS)), ProviderSecrets(), NOW)


def test_signed_but_missing_message_sid_is_malformed() -> None:
    params = {k: v for k, v in PARAMS.items() if k != "MessageSid"}
    with pytest.raises(MalformedRequest, match="MessageSid"):
        adapter.parse(post(params, sdk_signature(params)), SECRETS, NOW)


def test_invalid_utf8_form_is_malformed() -> None:
    request = inbound(
        URL, body=b"Body=%FF%FE", content_type=FORM, headers={"X-Twilio-Signature": "x"}
    )
    with pytest.raises(MalformedRequest):
        adapter.parse(request, SECRETS, NOW)


def test_acknowledgement_is_empty_twiml() -> None:
    ack = adapter.acknowledgement
    assert (ack.status, ack.content_type.split(";")[0]) == (200, "text/xml")
    assert ack.body == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def test_secrets_repr_hides_values() -> None:
    assert TOKEN not in repr(SECRETS)
    assert TOKEN not in str(SignatureError("invalid Twilio signature"))


@pytest.mark.parametrize("url", ["http://[::1", "https://h:99999/p", "not a url"])
def test_odd_public_urls_fail_closed(url: str) -> None:
    headers = {"X-Twilio-Signature": "x"}
    request = InboundRequest("POST", url, headers, form(PARAMS), FORM)
    with pytest.raises(SignatureError):
        adapter.parse(request, SECRETS, NOW)
