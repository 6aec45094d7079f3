"""Saleor's webhook signature: a detached JWS (RS256, unencoded payload) over the raw body."""

from __future__ import annotations

from typing import Any

import jwt
from jwt.exceptions import InvalidTokenError, PyJWKError


class SignatureInvalid(Exception):
    """The signature is missing, malformed, or does not verify."""


class UnknownSigningKey(SignatureInvalid):
    """The signature names a key the JWKS does not hold."""


def signing_key_id(signature: str) -> str:
    """The `kid` of a detached JWS, after checking its header is Saleor's."""
    if signature.count(".") != 2 or signature.split(".")[1] != "":
        raise SignatureInvalid("signature is not a detached JWS")
    try:
        header = jwt.get_unverified_header(signature)
    except InvalidTokenError:
        raise SignatureInvalid("signature header is malformed") from None
    if header.get("alg") != "RS256":
        raise SignatureInvalid("signature algorithm must be RS256")
    if header.get("b64") is not False or "b64" not in (header.get("crit") or []):
        raise SignatureInvalid("signature must use an unencoded payload (b64: false)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureInvalid("signature names no key")
    return kid


def verify_webhook_signature(signature: str, body: bytes, jwks: dict[str, Any]) -> None:
    """Raise unless `signature` is Saleor's detached JWS over exactly `body`."""
    kid = signing_key_id(signature)
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    jwk = next((k for k in keys if k.get("kid") == kid), None)
    if jwk is None:
        raise UnknownSigningKey("signature key is not in the JWKS")
    try:
        key = jwt.PyJWK(jwk, algorithm="RS256").key
        jwt.api_jws.decode_complete(signature, key=key, algorithms=["RS256"], detached_payload=body)
    except (InvalidTokenError, PyJWKError, ValueError):
        raise SignatureInvalid("signature does not verify") from None
