"""smsmode: unsigned reply notifications by GET or POST, Latin-9 tolerant."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest

from saleor_app.sms import ADAPTERS, InboundSms, MalformedRequest, ProviderSecrets
from tests.sms.builders import FORM, JSON, form, inbound, url_for

NOW = 1_760_000_000.0
adapter = ADAPTERS["smsmode"]
PARAMS = {
    "numero": "33612345678",
    "message": "OTP 7K4Q92 été",
    "emetteur": "33757000001",
    "date_reception": "09102025-10:53",
    "smsID": "",
    "refClient": "",
    "responseID": "r5Xb3dQ2zK",
}
EXPECTED = InboundSms(
    provider="smsmode",
    message_id="r5Xb3dQ2zK",
    sender="33612345678",
    recipient="33757000001",
    text="OTP 7K4Q92 été",
    provider_time="09102025-10:53",
)


def test_get_query_parses() -> None:
    request = inbound(url_for("smsmode", urlencode(PARAMS)), method="GET")
    assert adapter.parse(request, ProviderSecrets(), NOW) == EXPECTED


def test_post_form_parses() -> None:
    request = inbound(url_for("smsmode"), body=form(PARAMS), content_type=FORM)
    assert adapter.parse(request, ProviderSecrets(), NOW) == EXPECTED


def test_post_json_parses() -> None:
    body = json.dumps(PARAMS).encode()
    request = inbound(url_for("smsmode"), body=body, content_type=JSON)
    assert adapter.parse(request, ProviderSecrets(), NOW) == EXPECTED


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_latin9_percent_encoding_is_decoded(method: str) -> None:
    query = urlencode({**PARAMS, "message": "Code 12 été 5€"}, encoding="iso-8859-15")
    assert "%A4" in query
    if method == "GET":
        request = inbound(url_for("smsmode", query), method="GET")
    else:
        request = inbound(url_for("smsmode"), body=query.encode(), content_type=FORM)
    assert adapter.parse(request, ProviderSecrets(), NOW).text == "Code 12 été 5€"


def test_utf8_wins_when_valid() -> None:
    query = "numero=1&responseID=r&message=" + quote("€")
    request = inbound(url_for("smsmode", query), method="GET")
    assert adapter.parse(request, ProviderSecrets(), NOW).text == "€"


@pytest.mark.parametrize("missing", ["numero", "message", "responseID"])
def test_missing_fields_are_malformed(missing: str) -> None:
    params = {k: v for k, v in PARAMS.items() if k != missing}
    request = inbound(url_for("smsmode", urlencode(params)), method="GET")
    with pytest.raises(MalformedRequest, match=missing):
        adapter.parse(request, ProviderSecrets(), NOW)


def test_empty_response_id_is_malformed() -> None:
    request = inbound(url_for("smsmode", urlencode({**PARAMS, "responseID": ""})), method="GET")
    with pytest.raises(MalformedRequest):
        adapter.parse(request, ProviderSecrets(), NOW)


@pytest.mark.parametrize("body", [b"[1]", b'{"numero": 336}', b"{"])
def test_bad_json_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedRequest):
        adapter.parse(
            inbound(url_for("smsmode"), body=body, content_type=JSON), ProviderSecrets(), NOW
        )


def test_acknowledgement() -> None:
    ack = adapter.acknowledgement
    assert (ack.status, ack.body) == (200, b"OK")
    assert ack.content_type.startswith("text/plain")
