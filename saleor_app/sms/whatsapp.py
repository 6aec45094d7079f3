"""Meta's WhatsApp Cloud API webhook: the subscription handshake, then signed deliveries that
may carry several messages (each processed once, by its `wamid`)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping

from saleor_app.sms.base import (
    Acknowledgement,
    Handshake,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.wire import first, header, load_object, url_query

SIGNATURE_HEADER = "x-hub-signature-256"
SIGNATURE_PREFIX = "sha256="
MAX_MESSAGES = 100
"""Messages read from one delivery at most (Meta batches up to a few dozen)."""


def compute_signature(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value: `sha256=` + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def handshake(request: InboundRequest, secrets: ProviderSecrets) -> Handshake:
    """Meta's `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` check: echo the
    challenge for the shop's verify token only."""
    query = url_query(request)
    token = secrets.whatsapp_verify_token
    given = first(query, "hub.verify_token") or ""
    if first(query, "hub.mode") != "subscribe" or not token:
        return Handshake(403, "refused")
    if not hmac.compare_digest(token.encode("utf-8"), given.encode("utf-8")):
        return Handshake(403, "refused")
    return Handshake(200, first(query, "hub.challenge") or "")


def verify(request: InboundRequest, secrets: ProviderSecrets) -> None:
    """Raise SignatureError unless the signature matches the raw body."""
    if not secrets.whatsapp_app_secret:
        raise SignatureError("WhatsApp is not configured for this tenant")
    given = (header(request, SIGNATURE_HEADER) or "").strip().lower()
    if not given.startswith(SIGNATURE_PREFIX):
        raise SignatureError("missing X-Hub-Signature-256 header")
    expected = compute_signature(secrets.whatsapp_app_secret, request.body)
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8")):
        raise SignatureError("invalid X-Hub-Signature-256")


def _objects(value: object) -> Iterator[Mapping[str, object]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _text_messages(document: Mapping[str, object]) -> Iterator[InboundSms]:
    for entry in _objects(document.get("entry")):
        for change in _objects(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            recipient = metadata.get("display_phone_number") if isinstance(metadata, dict) else None
            for message in _objects(value.get("messages")):
                text = message.get("text")
                body = text.get("body") if isinstance(text, dict) else None
                sender, wamid = message.get("from"), message.get("id")
                if message.get("type") != "text" or not isinstance(body, str):
                    continue
                if not isinstance(sender, str) or not isinstance(wamid, str) or not wamid:
                    raise MalformedRequest("a WhatsApp message has no `from` or `id`")
                yield InboundSms(
                    provider=WhatsAppCloudAdapter.name,
                    message_id=wamid,
                    sender="+" + sender.lstrip("+"),
                    recipient="+" + str(recipient).lstrip("+") if recipient else "",
                    text=body,
                    channel="whatsapp",
                )


class WhatsAppCloudAdapter:
    """`GET` subscription handshake; `POST` deliveries signed with the Meta app secret."""

    name = "whatsapp"
    acknowledgement = Acknowledgement(200, "text/plain; charset=utf-8", b"OK")

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """The first text message of the delivery (see `parse_all`)."""
        return self.parse_all(request, secrets, now)[0]

    def parse_all(
        self, request: InboundRequest, secrets: ProviderSecrets, now: float
    ) -> list[InboundSms]:
        """Every text message of a verified delivery; statuses and other message types are
        acknowledged and ignored (IgnoredEvent when nothing is left)."""
        if request.method == "GET":
            raise handshake(request, secrets)
        verify(request, secrets)
        messages = list(_text_messages(load_object(request.body)))[:MAX_MESSAGES]
        if not messages:
            raise IgnoredEvent
        return messages
