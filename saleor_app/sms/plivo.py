"""Plivo message webhooks signed with `X-Plivo-Signature-V3`: HMAC-SHA256, URL, params, nonce."""

from __future__ import annotations

import base64
import hmac
from urllib.parse import urlparse, urlunparse

from saleor_app.sms.base import (
    Acknowledgement,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    OneMessagePerRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.wire import Pairs, first, header, parse_form, required, url_query

SIGNATURE_HEADERS = ("x-plivo-signature-v3", "x-plivo-signature-ma-v3")
NONCE_HEADER = "x-plivo-signature-v3-nonce"
EMPTY_XML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _grouped(pairs: Pairs) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


def _sorted_query(pairs: Pairs) -> str:
    groups = _grouped(pairs)
    return "&".join(f"{key}={value}" for key in sorted(groups) for value in sorted(groups[key]))


def _sorted_params(pairs: Pairs) -> str:
    groups = _grouped(pairs)
    return "".join(f"{key}{value}" for key in sorted(groups) for value in sorted(groups[key]))


def signing_string(method: str, url: str, query: Pairs, body: Pairs) -> str:
    """Plivo's V3 base string for a GET (query only) or POST (query, then body params)."""
    try:
        parts = urlparse(url)
    except ValueError:
        raise MalformedRequest("request URL is malformed") from None
    base = urlunparse((parts.scheme, parts.netloc, parts.path, "", "", ""))
    sorted_query = _sorted_query(query)
    if method == "GET":
        return f"{base}?{sorted_query}" if sorted_query else base
    if not body:
        return f"{base}?{sorted_query}" if sorted_query else base
    separator = "." if sorted_query else ""
    return f"{base}?{sorted_query}{separator}{_sorted_params(body)}"


def compute_signature(auth_token: str, base: str, nonce: str) -> str:
    """base64(HMAC-SHA256(auth token, base + "." + nonce))."""
    message = f"{base}.{nonce}".encode()
    digest = hmac.digest(auth_token.encode("utf-8"), message, "sha256")
    return base64.b64encode(digest).decode("ascii")


def _candidates(request: InboundRequest) -> list[bytes]:
    values = (header(request, name) for name in SIGNATURE_HEADERS)
    return [
        item.strip().encode("utf-8")
        for value in values
        if value
        for item in value.split(",")
        if item.strip()
    ]


def verify(request: InboundRequest, secrets: ProviderSecrets) -> Pairs:
    """The signed params; raise SignatureError unless one V3 signature matches."""
    token = secrets.plivo_auth_token
    if not token:
        raise SignatureError("Plivo is not configured for this tenant")
    candidates = _candidates(request)
    nonce = header(request, NONCE_HEADER)
    if not candidates or not nonce:
        raise SignatureError("missing X-Plivo-Signature-V3 or its nonce")
    query = url_query(request)
    body = parse_form(request.body) if request.method == "POST" else []
    base = signing_string(request.method, request.public_url, query, body)
    expected = compute_signature(token, base, nonce).encode("ascii")
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("invalid Plivo signature")
    return body if request.method == "POST" else query


class PlivoAdapter(OneMessagePerRequest):
    """Inbound SMS by POST form (or GET): `From`, `To`, `Text`, `MessageUUID`."""

    name = "plivo"
    acknowledgement = Acknowledgement(200, "application/xml; charset=utf-8", EMPTY_XML)

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify the V3 signature, then read the message fields (MMS text from `Body`)."""
        params = verify(request, secrets)
        text = first(params, "Text")
        if text is None:
            text = required(params, "Body", allow_empty=True)
        return InboundSms(
            provider=self.name,
            message_id=required(params, "MessageUUID"),
            sender=required(params, "From"),
            recipient=required(params, "To"),
            text=text,
        )
