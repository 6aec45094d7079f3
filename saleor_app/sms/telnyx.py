"""Telnyx messaging webhooks: Ed25519 signature over "{telnyx-timestamp}|{raw body}"."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saleor_app.sms.base import (
    Acknowledgement,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    OneMessagePerRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.wire import check_fresh, header, load_object, member, optional_text

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"
MESSAGE_RECEIVED = "message.received"

LINE_TYPES = {
    "wireless": "mobile",
    "pre-paid wireless": "prepaid_mobile",
    "wireline": "landline",
    "voip": "voip",
    "vowifi": "voip",
}


def _b64(value: str, size: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not valid base64") from None
    if len(raw) != size:
        raise SignatureError(f"{what} has the wrong length")
    return raw


def verify(request: InboundRequest, secrets: ProviderSecrets, now: float) -> None:
    """Raise SignatureError unless the Ed25519 signature matches and is fresh."""
    if not secrets.telnyx_public_key:
        raise SignatureError("Telnyx is not configured for this tenant")
    public_key = _b64(secrets.telnyx_public_key, 32, "Telnyx public key")
    signature = header(request, SIGNATURE_HEADER)
    timestamp = header(request, TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise SignatureError("missing telnyx-signature-ed25519 or telnyx-timestamp header")
    check_fresh(timestamp, now, "Telnyx timestamp")
    signed = timestamp.encode("ascii") + b"|" + request.body
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            _b64(signature, 64, "Telnyx signature"), signed
        )
    except InvalidSignature:
        raise SignatureError("invalid Telnyx signature") from None


def line_type(value: str | None) -> str | None:
    """Telnyx's line type as mobile, prepaid_mobile, landline or voip (others snake-cased)."""
    if not value:
        return None
    key = value.strip().lower()
    return LINE_TYPES.get(key, key.replace("-", "_").replace(" ", "_"))


def _nonempty(document: dict[str, object], name: str) -> str:
    value = member(document, name, str)
    if not value:
        raise MalformedRequest(f"field {name} is empty")
    return value


def _text(payload: dict[str, object]) -> str:
    text = payload.get("text")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise MalformedRequest("field text is not a str")
    return text


class TelnyxAdapter(OneMessagePerRequest):
    """`message.received` events; other event types raise IgnoredEvent."""

    name = "telnyx"
    acknowledgement = Acknowledgement(200, "application/json", b'{"ok": true}')

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify the signature, then read `data.payload` of a `message.received` event."""
        verify(request, secrets, now)
        data = member(load_object(request.body), "data", dict)
        event_type = member(data, "event_type", str)
        if event_type != MESSAGE_RECEIVED:
            raise IgnoredEvent(f"Telnyx event {event_type[:64]!r} is not an inbound message")
        payload = member(data, "payload", dict)
        sender = member(payload, "from", dict)
        recipients = member(payload, "to", list)
        if not recipients or not isinstance(recipients[0], dict):
            raise MalformedRequest("field to must be a non-empty list of objects")
        return InboundSms(
            provider=self.name,
            message_id=_nonempty(payload, "id"),
            sender=_nonempty(sender, "phone_number"),
            recipient=_nonempty(recipients[0], "phone_number"),
            text=_text(payload),
            provider_time=optional_text(data, "occurred_at"),
            line_type=line_type(optional_text(sender, "line_type")),
            carrier=optional_text(sender, "carrier"),
        )
