"""Signing keys, JWKS, detached JWS and JWTs exactly as Saleor produces them."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

_POOL: list[rsa.RSAPrivateKey] = []
_POOL_LOCK = threading.Lock()


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_uint(value: int) -> str:
    """Base64url of a big-endian unsigned integer (JWK style)."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def thumbprint(n: str, e: str) -> str:
    """RFC 7638 SHA-256 thumbprint of an RSA JWK given its base64url n and e."""
    canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def pooled_key(index: int) -> rsa.RSAPrivateKey:
    """The index-th RSA 2048 key of this process (generated once, then cached)."""
    with _POOL_LOCK:
        while len(_POOL) <= index:
            _POOL.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _POOL[index]


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key with its Saleor-style kid."""

    private_key: rsa.RSAPrivateKey

    @property
    def public_numbers(self) -> rsa.RSAPublicNumbers:
        """The public numbers (n, e)."""
        return self.private_key.public_key().public_numbers()

    @property
    def kid(self) -> str:
        """RFC 7638 thumbprint of the public key."""
        nums = self.public_numbers
        return thumbprint(b64url_uint(nums.n), b64url_uint(nums.e))

    def jwk(self) -> dict[str, Any]:
        """The public JWK in Saleor's key order."""
        nums = self.public_numbers
        return {
            "kty": "RSA",
            "key_ops": ["verify"],
            "n": b64url_uint(nums.n),
            "e": b64url_uint(nums.e),
            "use": "sig",
            "kid": self.kid,
            "alg": "RS256",
        }

    def jwks(self) -> dict[str, Any]:
        """The JWKS document Saleor serves (a single key)."""
        return {"keys": [self.jwk()]}

    def sign_detached(self, body: bytes) -> str:
        """Saleor-Signature value: detached RS256 JWS with b64=false over the raw body."""
        return jwt.api_jws.encode(
            body,
            self.private_key,
            algorithm="RS256",
            headers={"kid": self.kid, "crit": ["b64"]},
            is_payload_detached=True,
        )

    def encode_jwt(self, claims: dict[str, Any]) -> str:
        """An RS256 JWT with the kid header, like Saleor's jwt_manager."""
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def public_key_from_jwk(jwk: dict[str, Any]) -> Any:
    """RSA public key object from a JWK dict."""
    return RSAAlgorithm.from_jwk(json.dumps(jwk))


def verify_detached(signature: str, body: bytes, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verify a Saleor-Signature over raw body bytes with a JWKS; return PyJWT's decoded parts."""
    header = jwt.get_unverified_header(signature)
    jwk = next(k for k in jwks["keys"] if k.get("kid") == header.get("kid"))
    return jwt.api_jws.decode_complete(
        signature, public_key_from_jwk(jwk), algorithms=["RS256"], detached_payload=body
    )


def decode_jwt(token: str, jwks: dict[str, Any], issuer: str | None = None) -> dict[str, Any]:
    """Verify an RS256 JWT against a JWKS (exp/iat required) and return its claims."""
    header = jwt.get_unverified_header(token)
    jwk = next(k for k in jwks["keys"] if k.get("kid") == header.get("kid"))
    return jwt.decode(
        token,
        public_key_from_jwk(jwk),
        algorithms=["RS256"],
        issuer=issuer,
        options={"require": ["exp", "iat"], "verify_aud": False},
    )
