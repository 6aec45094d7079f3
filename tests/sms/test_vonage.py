"""Vonage SMS API: `sig` checked against the official SDK (HMAC) and the documented md5hash."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest
from vonage_http_client.auth import Auth

from saleor_app.sms import (
    ADAPTERS,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.vonage import compute_signature
from tests.sms.builders import FORM, JSON, form, inbound, url_for

SECRET = "vonage-signature-secret-0123456789"
NOW = 1_760_000_000.0
URL = url_for("vonage")
adapter = ADAPTERS["vonage"]

PARAMS = {
    "msisdn": "33612345678",
    "to": "33757000001",
    "messageId": "0A0000000123ABCD1",
    "text": "OTP 7K4Q92 a&b=c é",
    "type": "unicode",
    "keyword": "OTP",
    "api-key": "abcd1234",
    "message-timestamp": "2025-10-09 08:53:20",
    "timestamp": str(int(NOW) - 10),
    "nonce": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
}

EXPECTED = InboundSms(
    provider="vonage",
    message_id="0A0000000123ABCD1",
    sender="33612345678",
    recipient="33757000001",
    text="OTP 7K4Q92 a&b=c é",
    provider_time="2025-10-09 08:53:20",
)


def documented_md5hash(params: dict[str, str], secret: str) -> str:
    """The dashboard's "MD5 hash": md5("&k=v..." sorted, `&`/`=` in values as `_`, + secret)."""
    concat = "".join(
        "&" + key + "=" + params[key].replace("&", "_").replace("=", "_") for key in sorted(params)
    )
    return hashlib.md5((concat + secret).encode()).hexdigest()  # noqa: S324


def sdk_sig(params: dict[str, str], method: str, secret: str = SECRET) -> str:
    auth = Auth(api_key="abcd1234", signature_secret=secret, signature_method=method)
    return auth.sign_params(dict(params))


def signed(params: dict[str, str], method: str = "md5hash") -> dict[str, str]:
    sig = documented_md5hash(params, SECRET) if method == "md5hash" else sdk_sig(params, method)
    return {**params, "sig": sig}


def secrets(method: str | None = None) -> ProviderSecrets:
    return ProviderSecrets(vonage_signature_secret=SECRET, vonage_signature_method=method)


def get(params: dict[str, str]) -> InboundRequest:
    return inbound(url_for("vonage", urlencode(params)), method="GET")


def test_get_md5hash_default_parses() -> None:
    assert adapter.parse(get(signed(PARAMS)), secrets(), NOW) == EXPECTED


@pytest.mark.parametrize("method", ["md5", "sha1", "sha256", "sha512"])
def test_hmac_methods_match_the_sdk(method: str) -> None:
    params = signed(PARAMS, method)
    assert adapter.parse(get(params), secrets(method), NOW) == EXPECTED
    ours = compute_signature(SECRET, params, method)
    auth = Auth(api_key="abcd1234", signature_secret=SECRET, signature_method=method)
    assert auth.check_signature({**PARAMS, "sig": ours})


def test_post_form_and_json() -> None:
    params = signed(PARAMS, "sha256")
    by_form = inbound(URL, body=form(params), content_type=FORM)
    by_json = inbound(URL, body=json.dumps(params).encode(), content_type=JSON)
    assert adapter.parse(by_form, secrets("sha256"), NOW) == EXPECTED
    assert adapter.parse(by_json, secrets("sha256"), NOW) == EXPECTED


def test_uppercase_sig_is_accepted() -> None:
    params = signed(PARAMS, "sha512")
    params["sig"] = params["sig"].upper()
    assert adapter.parse(get(params), secrets("SHA512"), NOW) == EXPECTED


def test_concatenated_part() -> None:
    params = {
        **PARAMS,
        "concat": "true",
        "concat-ref": "108",
        "concat-part": "2",
        "concat-total": "3",
    }
    sms = adapter.parse(get(signed(params)), secrets(), NOW)
    assert (sms.parts, sms.concat_ref) == ((2, 3), "108")


@pytest.mark.parametrize("skew", [-301, 31, 301, 100_000])
def test_stale_timestamp_is_refused(skew: int) -> None:
    params = signed({**PARAMS, "timestamp": str(int(NOW) + skew)})
    with pytest.raises(SignatureError, match=r"older than|in the future"):
        adapter.parse(get(params), secrets(), NOW)


@pytest.mark.parametrize("timestamp", [None, "", "12ab", "+1760000000", "1_760_000_000"])
def test_missing_or_malformed_timestamp_is_refused(timestamp: str | None) -> None:
    params = {k: v for k, v in PARAMS.items() if k != "timestamp"}
    if timestamp is not None:
        params["timestamp"] = timestamp
    params["sig"] = compute_signature(SECRET, params)
    with pytest.raises(SignatureError):
        adapter.parse(get(params), secrets(), NOW)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(PARAMS, id="missing"),
        pytest.param({**PARAMS, "sig": "0" * 32}, id="forged"),
        pytest.param({**signed(PARAMS), "text": "OTP 000000"}, id="tampered"),
        pytest.param({**signed(PARAMS), "extra": "x"}, id="added-param"),
        pytest.param({**PARAMS, "sig": sdk_sig(PARAMS, "md5", "wrong")}, id="wrong-secret"),
    ],
)
def test_bad_signatures_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(get(params), secrets(), NOW)


def test_method_mismatch_is_refused() -> None:
    with pytest.raises(SignatureError):
        adapter.parse(get(signed(PARAMS, "sha256")), secrets("sha1"), NOW)


@pytest.mark.parametrize(
    "bad", [ProviderSecrets(), secrets("crc32")], ids=["unconfigured", "bad-method"]
)
def test_configuration_problems_are_refused(bad: ProviderSecrets) -> None:
    with pytest.raises(SignatureError):
        adapter.parse(get(signed(PARAMS)), bad, NOW)


def test_binary_sms_is_ignored() -> None:
    params = {k: v for k, v in PARAMS.items() if k != "text"} | {"type": "binary", "udh": "050003"}
    with pytest.raises(IgnoredEvent):
        adapter.parse(get(signed(params)), secrets(), NOW)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({k: v for k, v in PARAMS.items() if k != "messageId"}, id="no-id"),
        pytest.param({k: v for k, v in PARAMS.items() if k != "text"}, id="no-text"),
        pytest.param({**PARAMS, "concat": "true", "concat-part": "x"}, id="bad-concat"),
    ],
)
def test_signed_but_incomplete_is_malformed(params: dict[str, str]) -> None:
    with pytest.raises(MalformedRequest):
        adapter.parse(get(signed(params)), secrets(), NOW)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", JSON),
        (b"[1, 2]", JSON),
        (b'{"text": {"nested": 1}}', JSON),
        (b"msisdn=1&msisdn=2", FORM),
        (b"text=%FF", FORM),
    ],
)
def test_malformed_bodies(body: bytes, content_type: str) -> None:
    with pytest.raises(MalformedRequest):
        adapter.parse(inbound(URL, body=body, content_type=content_type), secrets(), NOW)


def test_acknowledgement() -> None:
    assert adapter.acknowledgement.status in (200, 204)
    assert adapter.acknowledgement.body == b""
