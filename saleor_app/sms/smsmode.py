"""smsmode reply notifications (HTTP API 1.6): unsigned, authenticated by the tenant key."""

from __future__ import annotations

from saleor_app.sms.base import (
    Acknowledgement,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    OneMessagePerRequest,
    ProviderSecrets,
)
from saleor_app.sms.wire import Pairs, first, is_json, load_object, parse_form, required, url_query

LATIN_9 = "iso-8859-15"


def _json_pairs(body: bytes) -> Pairs:
    document = load_object(body)
    if not all(isinstance(value, str) for value in document.values()):
        raise MalformedRequest("smsmode JSON fields must be strings")
    return [(key, str(value)) for key, value in document.items()]


def _params(request: InboundRequest) -> Pairs:
    if request.method == "POST" and request.body:
        if is_json(request):
            return _json_pairs(request.body)
        return parse_form(request.body, fallback=LATIN_9)
    return url_query(request, fallback=LATIN_9)


class SmsmodeAdapter(OneMessagePerRequest):
    """Parses `numero`, `emetteur`, `message`, `responseID`, `date_reception` (GET or POST)."""

    name = "smsmode"
    acknowledgement = Acknowledgement(200, "text/plain; charset=utf-8", b"OK")

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Parse a reply notification; the caller has already checked the tenant key."""
        params = _params(request)
        return InboundSms(
            provider=self.name,
            message_id=required(params, "responseID"),
            sender=required(params, "numero"),
            recipient=first(params, "emetteur") or "",
            text=required(params, "message", allow_empty=True),
            provider_time=first(params, "date_reception") or None,
        )
