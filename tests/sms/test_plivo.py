"""Plivo: V3 signatures produced and checked with the official SDK's signature_v3 helpers."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from plivo.utils.signature_v3 import (
    construct_get_url,
    construct_post_url,
    get_signature_v3,
    validate_v3_signature,
)

from saleor_app.sms import (
    ADAPTERS,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
)
from tests.sms.builders import FORM, form, inbound, url_for

TOKEN = "MjAxNjAxMDFfZXhhbXBsZV9hdXRoX3Rva2Vu"
NONCE = "12345678901234567890"
SECRETS = ProviderSecrets(plivo_auth_token=TOKEN)
NOW = 1_760_000_000.0
adapter = ADAPTERS["plivo"]

PARAMS = {
    "From": "33612345678",
    "To": "33757000001",
    "Type": "sms",
    "Text": "OTP 7K4Q92 é ✓",
    "MessageUUID": "3c1a9e4e-2a55-11ee-8a2f-0242ac110002",
    "Units": "1",
    "TotalRate": "0.00000",
    "TotalAmount": "0.00000",
    "MessageIntent": "",
    "PowerpackUUID": "",
}

EXPECTED = InboundSms(
    provider="plivo",
    message_id="3c1a9e4e-2a55-11ee-8a2f-0242ac110002",
    sender="33612345678",
    recipient="33757000001",
    text="OTP 7K4Q92 é ✓",
)


def sdk_post_signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    base = construct_post_url(url, dict(params)).decode()
    return str(get_signature_v3(token, base, NONCE).decode())


def sdk_get_signature(url: str) -> str:
    return str(get_signature_v3(TOKEN, construct_get_url(url, {}).decode(), NONCE).decode())


def post(url: str, params: dict[str, str], signature: str | None) -> InboundRequest:
    headers = {"X-Plivo-Signature-V3-Nonce": NONCE}
    if signature is not None:
        headers["X-Plivo-Signature-V3"] = signature
    return inbound(url, body=form(params), content_type=FORM, headers=headers)


@pytest.mark.parametrize("query", ["", "a=2&b=&a=1"], ids=["plain", "with-query"])
def test_documented_post_parses_and_sdk_agrees(query: str) -> None:
    url = url_for("plivo", query)
    signature = sdk_post_signature(url, PARAMS)
    assert adapter.parse(post(url, PARAMS, signature), SECRETS, NOW) == EXPECTED
    assert validate_v3_signature("POST", url, NONCE, TOKEN, signature, dict(PARAMS))


def test_get_parses() -> None:
    params = {**PARAMS, "Text": "OTP 7K4Q92 a&b=c"}
    url = url_for("plivo", urlencode(params))
    headers = {"X-Plivo-Signature-V3": sdk_get_signature(url), "X-Plivo-Signature-V3-Nonce": NONCE}
    sms = adapter.parse(inbound(url, method="GET", headers=headers), SECRETS, NOW)
    assert sms == InboundSms(**{**vars(EXPECTED), "text": "OTP 7K4Q92 a&b=c"})
    assert validate_v3_signature("GET", url, NONCE, TOKEN, headers["X-Plivo-Signature-V3"])


def test_any_of_several_signatures_is_enough() -> None:
    header = "d3Jvbmc=," + sdk_post_signature(url_for("plivo"), PARAMS)
    assert adapter.parse(post(url_for("plivo"), PARAMS, header), SECRETS, NOW) == EXPECTED


def test_main_account_signature_header() -> None:
    url = url_for("plivo")
    headers = {
        "X-Plivo-Signature-Ma-V3": sdk_post_signature(url, PARAMS),
        "X-Plivo-Signature-V3": "d3Jvbmc=",
        "X-Plivo-Signature-V3-Nonce": NONCE,
    }
    request = inbound(url, body=form(PARAMS), content_type=FORM, headers=headers)
    assert adapter.parse(request, SECRETS, NOW) == EXPECTED


def test_mms_text_comes_from_body() -> None:
    params = {k: v for k, v in PARAMS.items() if k != "Text"} | {"Type": "mms", "Body": "OTP 1"}
    url = url_for("plivo")
    sms = adapter.parse(post(url, params, sdk_post_signature(url, params)), SECRETS, NOW)
    assert sms.text == "OTP 1"


@pytest.mark.parametrize(
    ("params", "signature"),
    [
        pytest.param(PARAMS, None, id="missing"),
        pytest.param(PARAMS, "Zm9yZ2Vk", id="forged"),
        pytest.param(
            PARAMS, sdk_post_signature(url_for("plivo"), PARAMS, "wrong"), id="wrong-token"
        ),
        pytest.param(
            {**PARAMS, "Text": "OTP 000000"},
            sdk_post_signature(url_for("plivo"), PARAMS),
            id="tampered",
        ),
        pytest.param(PARAMS, sdk_post_signature(url_for("plivo", "x=1"), PARAMS), id="other-url"),
    ],
)
def test_bad_signatures_are_refused(params: dict[str, str], signature: str | None) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(post(url_for("plivo"), params, signature), SECRETS, NOW)


def test_missing_nonce_is_refused() -> None:
    url = url_for("plivo")
    headers = {"X-Plivo-Signature-V3": sdk_post_signature(url, PARAMS)}
    request = inbound(url, body=form(PARAMS), content_type=FORM, headers=headers)
    with pytest.raises(SignatureError):
        adapter.parse(request, SECRETS, NOW)


def test_unconfigured_tenant_is_refused() -> None:
    url = url_for("plivo")
    with pytest.raises(SignatureError, match="not configured"):
        adapter.parse(post(url, PARAMS, sdk_post_signature(url, PARAMS)), ProviderSecrets(), NOW)


def test_signed_but_missing_uuid_is_malformed() -> None:
    url = url_for("plivo")
    params = {k: v for k, v in PARAMS.items() if k != "MessageUUID"}
    with pytest.raises(MalformedRequest, match="MessageUUID"):
        adapter.parse(post(url, params, sdk_post_signature(url, params)), SECRETS, NOW)


def test_acknowledgement() -> None:
    ack = adapter.acknowledgement
    assert ack.status == 200
    assert ack.content_type.startswith("application/xml")
