"""Our own contract: JSON {"from","to","text","id"} signed `X-Signature: t=<unix>,v1=<hex>`."""

from __future__ import annotations

import hashlib
import hmac

from saleor_app.sms.base import (
    Acknowledgement,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    OneMessagePerRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.wire import check_fresh, header, load_object, member

SIGNATURE_HEADER = "x-signature"


def compute_signature(secret: str, body: bytes, timestamp: int | str) -> str:
    """Hex HMAC-SHA256 of "<t>.<raw body>" keyed with `secret`."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_generic(secret: str, body: bytes, timestamp: int) -> str:
    """The `X-Signature` header value for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={compute_signature(secret, body, timestamp)}"


def _fields(value: str) -> tuple[str | None, list[str]]:
    timestamp: str | None = None
    signatures: list[str] = []
    for item in value.split(","):
        key, _, part = item.strip().partition("=")
        if key == "t":
            timestamp = part
        elif key == "v1":
            signatures.append(part)
    return timestamp, signatures


def verify(request: InboundRequest, secrets: ProviderSecrets, now: float) -> None:
    """Raise SignatureError unless a `v1` signature matches and `t` is fresh."""
    secret = secrets.generic_secret
    if not secret:
        raise SignatureError("the generic provider is not configured for this tenant")
    value = header(request, SIGNATURE_HEADER)
    if not value:
        raise SignatureError("missing X-Signature header")
    timestamp, signatures = _fields(value)
    if not signatures:
        raise SignatureError("X-Signature has no v1 signature")
    timestamp = check_fresh(timestamp, now, "X-Signature timestamp")
    expected = compute_signature(secret, request.body, timestamp).encode("ascii")
    received = (s.strip().lower().encode("utf-8") for s in signatures)
    if not any(hmac.compare_digest(expected, candidate) for candidate in received):
        raise SignatureError("invalid X-Signature")


def _nonempty(document: dict[str, object], name: str) -> str:
    value = member(document, name, str)
    if not value:
        raise MalformedRequest(f"field {name} is empty")
    return value


class GenericAdapter(OneMessagePerRequest):
    """JSON POST `{"from", "to", "text", "id"}` for any gateway and for the simulator."""

    name = "generic"
    acknowledgement = Acknowledgement(200, "application/json", b'{"ok": true}', tells_outcome=True)

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify `X-Signature` over the raw body, then read the JSON object."""
        verify(request, secrets, now)
        if request.method != "POST":
            raise MalformedRequest("the generic provider accepts POST only")
        document = load_object(request.body)
        return InboundSms(
            provider=self.name,
            message_id=_nonempty(document, "id"),
            sender=_nonempty(document, "from"),
            recipient=_nonempty(document, "to"),
            text=member(document, "text", str),
        )
