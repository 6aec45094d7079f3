"""Twilio Messaging webhooks: `X-Twilio-Signature`, base64 HMAC over URL + sorted form params."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterator
from urllib.parse import urlsplit

from saleor_app.sms.base import (
    Acknowledgement,
    InboundRequest,
    InboundSms,
    OneMessagePerRequest,
    ProviderSecrets,
    SignatureError,
)
from saleor_app.sms.wire import Pairs, first, header, parse_form, required, url_query

SIGNATURE_HEADER = "x-twilio-signature"
SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

_ALGORITHMS = {"HMAC_SHA1": "sha1", "HMAC_SHA256": "sha256"}


def url_variants(url: str) -> tuple[str, ...]:
    """`url` as given, with its port removed, and with the scheme's default port added."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return (url,)
    if port is not None:
        variant = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
    else:
        default = 443 if parts.scheme == "https" else 80
        variant = parts._replace(netloc=f"{parts.netloc}:{default}")
    return tuple(dict.fromkeys((url, parts.geturl(), variant.geturl())))


def signing_string(url: str, params: Pairs) -> str:
    """The signed string: the URL, then every distinct name+value in sorted order."""
    return url + "".join(map("".join, sorted(set(params))))


def compute_signature(key: str, url: str, params: Pairs, algorithm: str = "HMAC_SHA1") -> str:
    """Twilio's signature for `url` and the POST `params`."""
    message = signing_string(url, params).encode("utf-8")
    digest = hmac.digest(key.encode("utf-8"), message, _ALGORITHMS[algorithm])
    return base64.b64encode(digest).decode("ascii")


def _algorithm(settings: str | None) -> str:
    for part in (settings or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            algorithm = value.strip().upper()
            if algorithm not in _ALGORITHMS:
                raise SignatureError("unsupported Twilio signature algorithm")
            return algorithm
    return "HMAC_SHA1"


def verify(request: InboundRequest, secrets: ProviderSecrets) -> Pairs:
    """The signed POST params; raise SignatureError unless `X-Twilio-Signature` matches."""
    keys = [k for k in (secrets.twilio_shared_key, secrets.twilio_auth_token) if k]
    if not keys:
        raise SignatureError("Twilio is not configured for this tenant")
    signature = header(request, SIGNATURE_HEADER)
    if not signature:
        raise SignatureError("missing X-Twilio-Signature header")
    algorithm = _algorithm(header(request, SETTINGS_HEADER))
    params = parse_form(request.body) if request.method == "POST" else []
    received = signature.strip().encode("utf-8")
    for url in _urls(request.public_url):
        for key in keys:
            expected = compute_signature(key, url, params, algorithm).encode("ascii")
            if hmac.compare_digest(expected, received):
                return params
    raise SignatureError("invalid Twilio signature")


def _urls(url: str) -> Iterator[str]:
    """`url` first, then its other port variants: the common case never splits the URL."""
    yield url
    yield from (variant for variant in url_variants(url) if variant != url)


WHATSAPP_PREFIX = "whatsapp:"
"""How Twilio writes the numbers of a WhatsApp message (`From=whatsapp:+4917...`)."""


class TwilioAdapter(OneMessagePerRequest):
    """Inbound SMS as a POST form (or GET query): `MessageSid`, `From`, `To`, `Body`; WhatsApp
    messages to a Twilio WhatsApp sender come the same way, with `whatsapp:` numbers."""

    name = "twilio"
    acknowledgement = Acknowledgement(200, "text/xml; charset=utf-8", EMPTY_TWIML)

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify the signature, then read the message fields."""
        signed = verify(request, secrets)
        params = signed if request.method == "POST" else url_query(request)
        sender, recipient = required(params, "From"), required(params, "To")
        whatsapp = sender.startswith(WHATSAPP_PREFIX)
        return InboundSms(
            provider=self.name,
            message_id=required(params, "MessageSid"),
            sender=sender.removeprefix(WHATSAPP_PREFIX),
            recipient=recipient.removeprefix(WHATSAPP_PREFIX),
            text=first(params, "Body") or "",
            channel="whatsapp" if whatsapp else "",
        )
