"""Saleor's webhook signature: a detached JWS (RS256, unencoded payload) over the raw body."""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import lru_cache
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from jwt.exceptions import PyJWKError

KEY_CACHE_SIZE = 256
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_KEYS: dict[tuple[tuple[str, str], ...], RSAPublicKey] = {}


class SignatureInvalid(Exception):
    """The signature is missing, malformed, or does not verify."""


class UnknownSigningKey(SignatureInvalid):
    """The signature names a key the JWKS does not hold."""


def _b64url(segment: str) -> bytes:
    if len(segment) % 4 == 1 or not _SEGMENT.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@lru_cache(maxsize=64)
def _header_kid(segment: str) -> str:
    """The `kid` of a protected header segment that is Saleor's; cached, as every delivery
    signed with one key carries the same header."""
    try:
        header = json.loads(_b64url(segment))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SignatureInvalid("signature header is malformed") from None
    if not isinstance(header, dict):
        raise SignatureInvalid("signature header is malformed")
    if header.get("alg") != "RS256":
        raise SignatureInvalid("signature algorithm must be RS256")
    crit = header.get("crit")
    if header.get("b64") is not False or not isinstance(crit, list) or set(crit) != {"b64"}:
        raise SignatureInvalid("signature must use an unencoded payload (b64: false)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureInvalid("signature names no key")
    return kid


def signing_key_id(signature: str) -> str:
    """The `kid` of a detached JWS, after checking its header is Saleor's."""
    if signature.count(".") != 2 or signature.split(".")[1] != "":
        raise SignatureInvalid("signature is not a detached JWS")
    return _header_kid(signature.split(".", 1)[0])


def public_key(jwk: dict[str, Any]) -> RSAPublicKey:
    """The RSA key of a JWK, parsed once per process for each distinct JWK content."""
    ident = tuple(sorted((k, v) for k, v in jwk.items() if isinstance(v, str)))
    key = _KEYS.get(ident)
    if key is None:
        try:
            parsed = jwt.PyJWK(jwk, algorithm="RS256").key
        except (PyJWKError, ValueError, TypeError):
            raise SignatureInvalid("signature key is not a usable RSA key") from None
        if not isinstance(parsed, RSAPublicKey):
            raise SignatureInvalid("signature key is not an RSA public key")
        if len(_KEYS) >= KEY_CACHE_SIZE:
            _KEYS.clear()
        key = _KEYS[ident] = parsed
    return key


def verify_webhook_signature(signature: str, body: bytes, jwks: dict[str, Any]) -> None:
    """Raise unless `signature` is Saleor's detached JWS over exactly `body`."""
    kid = signing_key_id(signature)
    keys = jwks.get("keys", [])
    jwk = next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)
    if jwk is None:
        raise UnknownSigningKey("signature key is not in the JWKS")
    key = public_key(jwk)
    header, _, encoded = signature.split(".")
    try:
        key.verify(_b64url(encoded), header.encode() + b"." + body, PKCS1v15(), SHA256())
    except (InvalidSignature, ValueError, binascii.Error):
        raise SignatureInvalid("signature does not verify") from None
