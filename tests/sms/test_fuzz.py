"""Property: whatever arrives, an adapter returns an InboundSms or raises one of our errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from twilio.request_validator import RequestValidator

from saleor_app.sms import (
    ADAPTERS,
    Handshake,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
    plivo,
    sign_generic,
    vonage,
)
from saleor_app.sms.wire import parse_form, url_query
from tests.sms.builders import FORM, JSON, url_for

SECRET = "fuzz-secret-0123456789abcdef"
TELNYX_KEY = SigningKey(bytes(range(1, 33)))
SECRETS = ProviderSecrets(
    twilio_auth_token=SECRET,
    vonage_signature_secret=SECRET,
    vonage_signature_method="sha256",
    plivo_auth_token=SECRET,
    telnyx_public_key=base64.b64encode(bytes(TELNYX_KEY.verify_key)).decode(),
    generic_secret=SECRET,
    whatsapp_app_secret=SECRET,
    whatsapp_verify_token=SECRET,
)
NOW = 1_760_000_000.0
EXPECTED_ERRORS = (SignatureError, MalformedRequest, IgnoredEvent, Handshake)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
methods = st.sampled_from(["POST", "GET", "POST", "PUT"])
content_types = st.sampled_from([FORM, JSON, "", "text/plain", "application/json; charset=utf-8"])
headers = st.dictionaries(st.text(max_size=30), st.text(max_size=60), max_size=4)
FIELDS = {
    "smsmode": ("numero", "emetteur", "message", "responseID", "date_reception"),
    "twilio": ("MessageSid", "From", "To", "Body", "AccountSid", "NumMedia"),
    "vonage": (
        "msisdn",
        "to",
        "text",
        "messageId",
        "type",
        "concat",
        "concat-part",
        "concat-total",
        "concat-ref",
        "message-timestamp",
    ),
    "plivo": ("From", "To", "Text", "Body", "MessageUUID", "Type"),
}
params = st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=4)
timestamps = st.integers(min_value=int(NOW) - 300, max_value=int(NOW) + 300).map(str) | st.one_of(
    st.integers(min_value=int(NOW) - 400, max_value=int(NOW) + 400).map(str), st.text(max_size=12)
)


@st.composite
def fields_for(draw: st.DrawFn, provider: str) -> dict[str, str]:
    """Mostly-complete field sets with arbitrary values, some dropped, some extra."""
    values = st.sampled_from(["1", "2", "true", "binary", "text", "+33612345678"]) | st.text(
        max_size=30
    )
    known = {name: draw(values) for name in FIELDS[provider] if draw(st.integers(0, 9)) > 0}
    return {**draw(params), **known}


def check(provider: str, request: InboundRequest) -> None:
    try:
        result = ADAPTERS[provider].parse(request, SECRETS, NOW)
    except EXPECTED_ERRORS as error:
        assert SECRET not in str(error)
        event(f"{provider}: {type(error).__name__}")
        return
    event(f"{provider}: parsed")
    assert isinstance(result, InboundSms)
    assert result.provider == provider


def build(
    method: str, url: str, body: bytes, content_type: str, extra: Mapping[str, str]
) -> InboundRequest:
    return InboundRequest(method, url, dict(extra), body, content_type)


@st.composite
def urls(draw: st.DrawFn, provider: str) -> str:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return url_for(provider, urlencode(draw(fields_for(provider))))
    if choice == 1:
        return url_for(provider, draw(st.text(max_size=40)))
    return draw(st.text(max_size=60))


@st.composite
def form_or_bytes(draw: st.DrawFn, fields: dict[str, str]) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    return urlencode(fields).encode()


@given(st.data(), methods, content_types, headers)
@FUZZ
def test_smsmode(
    data: st.DataObject, method: str, content_type: str, extra: dict[str, str]
) -> None:
    fields = data.draw(fields_for("smsmode"))
    body = data.draw(form_or_bytes(fields) | st.just(json.dumps(fields).encode()))
    check("smsmode", build(method, data.draw(urls("smsmode")), body, content_type, extra))


@given(st.data(), methods, content_types, headers)
@FUZZ
def test_twilio(data: st.DataObject, method: str, content_type: str, extra: dict[str, str]) -> None:
    url = data.draw(urls("twilio"))
    fields = data.draw(fields_for("twilio"))
    body = data.draw(form_or_bytes(fields))
    signed = fields if method == "POST" else {}
    signature = RequestValidator(SECRET).compute_signature(url, signed)
    check(
        "twilio", build(method, url, body, content_type, {**extra, "X-Twilio-Signature": signature})
    )


@given(st.data(), methods, content_types, timestamps)
@FUZZ
def test_vonage(data: st.DataObject, method: str, content_type: str, timestamp: str) -> None:
    fields = {**data.draw(fields_for("vonage")), "timestamp": timestamp}
    fields["sig"] = vonage.compute_signature(SECRET, fields, "sha256")
    if method == "POST":
        body = json.dumps(fields).encode() if "json" in content_type else urlencode(fields).encode()
        url = url_for("vonage")
    else:
        body, url = b"", url_for("vonage", urlencode(fields))
    if data.draw(st.integers(0, 9)) == 0:
        body = data.draw(st.binary(max_size=100))
    check("vonage", build(method, url, body, content_type, {}))


@given(st.data(), methods, content_types)
@FUZZ
def test_plivo(data: st.DataObject, method: str, content_type: str) -> None:
    url = data.draw(urls("plivo"))
    fields = data.draw(fields_for("plivo"))
    body = data.draw(form_or_bytes(fields))
    try:
        query = url_query(build(method, url, body, content_type, {}))
        base = plivo.signing_string(
            method, url, query, parse_form(body) if method == "POST" else []
        )
        signature = plivo.compute_signature(SECRET, base, "nonce")
    except MalformedRequest:
        signature = "x"
    extra = {"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": "nonce"}
    check("plivo", build(method, url, body, content_type, extra))


@st.composite
def telnyx_documents(draw: st.DrawFn) -> Any:
    def field(good: object) -> object:
        return good if draw(st.integers(0, 9)) > 0 else draw(json_values)

    payload = {
        "id": field("b0c7e8cb"),
        "from": field(
            {
                "phone_number": field("+33612345678"),
                "line_type": field("Wireless"),
                "carrier": field("Orange"),
            }
        ),
        "to": field([field({"phone_number": field("+33757000001")})]),
        "text": field("OTP 1234"),
    }
    data = {
        "event_type": field(draw(st.sampled_from(["message.received", "message.sent"]))),
        "occurred_at": field("2025-10-09T08:53:20Z"),
        "payload": field(payload),
    }
    return {"data": field(data)} if draw(st.integers(0, 9)) > 0 else draw(json_values)


@st.composite
def signed_json_bodies(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    return json.dumps(draw(documents)).encode()


@given(signed_json_bodies(telnyx_documents()), methods, timestamps, headers)
@FUZZ
def test_telnyx(body: bytes, method: str, timestamp: str, extra: dict[str, str]) -> None:
    signature = TELNYX_KEY.sign(timestamp.encode() + b"|" + body).signature
    signed = {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": timestamp,
    }
    check("telnyx", build(method, url_for("telnyx"), body, JSON, {**extra, **signed}))


@st.composite
def generic_documents(draw: st.DrawFn) -> Any:
    document = {
        key: draw(st.text(max_size=20)) if draw(st.integers(0, 5)) > 0 else draw(json_values)
        for key in ("from", "to", "text", "id")
        if draw(st.integers(0, 9)) > 0
    }
    return document if draw(st.integers(0, 9)) > 0 else draw(json_values)


@given(
    signed_json_bodies(generic_documents()),
    methods,
    timestamps.filter(str.isdecimal).map(int),
)
@FUZZ
def test_generic(body: bytes, method: str, timestamp: int) -> None:
    extra = {"X-Signature": sign_generic(SECRET, body, timestamp)}
    check("generic", build(method, url_for("generic"), body, JSON, extra))


@st.composite
def whatsapp_documents(draw: st.DrawFn) -> Any:
    message = {key: draw(st.text(max_size=20)) if draw(st.integers(0, 5)) > 0 else draw(json_values)
               for key in ("from", "id", "type") if draw(st.integers(0, 9)) > 0}
    if draw(st.integers(0, 3)) > 0:
        message["type"] = "text"
        message["text"] = {"body": draw(st.text(max_size=20))} if draw(st.booleans()) else draw(
            json_values)
    value = {"metadata": draw(json_values) if draw(st.integers(0, 5)) == 0 else {
        "display_phone_number": draw(st.text(max_size=15))},
             "messages": [message] if draw(st.integers(0, 9)) > 0 else draw(json_values)}
    document = {"entry": [{"changes": [{"value": value}]}]}
    return document if draw(st.integers(0, 9)) > 0 else draw(json_values)


@given(signed_json_bodies(whatsapp_documents()), methods)
@FUZZ
def test_whatsapp(body: bytes, method: str) -> None:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    extra = {"X-Hub-Signature-256": f"sha256={digest}"}
    check("whatsapp", build(method, url_for("whatsapp"), body, JSON, extra))


@given(
    st.sampled_from(sorted(ADAPTERS)),
    st.binary(max_size=300),
    headers,
    methods,
    st.text() | st.sampled_from(["http://[::1", "https://h:99999/p", "https://[/x?a=1", ""]),
)
@FUZZ
def test_unsigned_garbage(
    provider: str, body: bytes, extra: dict[str, str], method: str, url: str
) -> None:
    check(provider, build(method, url, body, "", extra))
