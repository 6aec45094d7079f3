"""Saleor's detached JWS, checked on the real signed deliveries of a Saleor 3.23 server."""

from __future__ import annotations

import base64
import json

import pytest

from saleor_app.saleor.signature import (
    SignatureInvalid,
    UnknownSigningKey,
    verify_webhook_signature,
)
from tests.support.captured import SIGNED_DELIVERIES, captured_jwks, captured_request


@pytest.mark.parametrize("name", SIGNED_DELIVERIES)
def test_real_deliveries_verify(name: str) -> None:
    request = captured_request(name)
    verify_webhook_signature(request.header("Saleor-Signature"), request.body, captured_jwks())


@pytest.mark.parametrize("name", ["order_created", "checkout_created"])
def test_reserialised_or_changed_body_is_refused(name: str) -> None:
    request = captured_request(name)
    signature = request.header("Saleor-Signature")
    compact = json.dumps(request.payload, separators=(",", ":")).encode()
    for body in (compact, request.body.replace(b"UNCONFIRMED", b"UNFULFILLED"), b""):
        if body == request.body:
            continue
        with pytest.raises(SignatureInvalid):
            verify_webhook_signature(signature, body, captured_jwks())


def test_signature_of_another_delivery_is_refused() -> None:
    confirmed = captured_request("order_confirmed").header("Saleor-Signature")
    with pytest.raises(SignatureInvalid):
        verify_webhook_signature(confirmed, captured_request("order_created").body, captured_jwks())


def test_unknown_key_is_reported_as_such() -> None:
    jwks = captured_jwks()
    jwks["keys"][0]["kid"] = "another-key"
    request = captured_request("order_created")
    with pytest.raises(UnknownSigningKey):
        verify_webhook_signature(request.header("Saleor-Signature"), request.body, jwks)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "b64": False, "crit": ["b64"], "kid": "k"},
        {"alg": "none", "b64": False, "crit": ["b64"], "kid": "k"},
        {"alg": "RS256", "kid": "k"},
        {"alg": "RS256", "b64": False, "crit": ["b64"]},
    ],
)
def test_foreign_headers_are_refused(header: dict) -> None:
    signature = _b64(json.dumps(header).encode()) + ".." + _b64(b"x" * 256)
    with pytest.raises(SignatureInvalid):
        verify_webhook_signature(signature, b"{}", captured_jwks())


@pytest.mark.parametrize("signature", ["", "abc", "a.b.c", "..", "e30..", "%%%..%%%"])
def test_malformed_signatures_are_refused(signature: str) -> None:
    with pytest.raises(SignatureInvalid):
        verify_webhook_signature(signature, b"{}", captured_jwks())
