"""Vonage SMS API inbound webhooks, signed with the `sig` parameter (md5hash or HMAC)."""

from __future__ import annotations

import hashlib
import hmac

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
from saleor_app.sms.wire import (
    check_fresh,
    is_json,
    load_object,
    parse_form,
    url_query,
)

METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")


def _json_params(body: bytes) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in load_object(body).items():
        if isinstance(value, str):
            params[key] = value
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            params[key] = str(value)
        elif value is None:
            params[key] = ""
        else:
            raise MalformedRequest(f"field {key} must be a scalar")
    return params


def _form_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise MalformedRequest(f"field {key} is repeated")
        params[key] = value
    return params


def params_of(request: InboundRequest) -> dict[str, str]:
    """The webhook's parameters: the query for GET, the form or JSON body for POST."""
    if request.method != "POST":
        return _form_params(url_query(request))
    if is_json(request):
        return _json_params(request.body)
    return _form_params(parse_form(request.body))


def signing_string(params: dict[str, str]) -> str:
    """`&key=value` for every key but `sig`, sorted, with `&` and `=` in values made `_`."""
    return "".join(
        f"&{key}={params[key].replace('&', '_').replace('=', '_')}"
        for key in sorted(params)
        if key != "sig"
    )


def compute_signature(secret: str, params: dict[str, str], method: str = "md5hash") -> str:
    """The lower-case hex `sig` Vonage computes for `params`."""
    message = signing_string(params).encode("utf-8")
    if method == "md5hash":
        return hashlib.md5(message + secret.encode("utf-8"), usedforsecurity=False).hexdigest()
    return hmac.new(secret.encode("utf-8"), message, method).hexdigest()


def verify(request: InboundRequest, secrets: ProviderSecrets, now: float) -> dict[str, str]:
    """The signed parameters; raise SignatureError unless `sig` matches and is fresh."""
    secret = secrets.vonage_signature_secret
    if not secret:
        raise SignatureError("Vonage is not configured for this tenant")
    method = (secrets.vonage_signature_method or "md5hash").lower()
    if method not in METHODS:
        raise SignatureError("unsupported Vonage signature method")
    params = params_of(request)
    received = params.get("sig")
    if not received:
        raise SignatureError("missing Vonage sig parameter")
    expected = compute_signature(secret, params, method).encode("ascii")
    if not hmac.compare_digest(expected, received.strip().lower().encode("utf-8")):
        raise SignatureError("invalid Vonage signature")
    check_fresh(params.get("timestamp"), now, "Vonage timestamp")
    return params


def _required(params: dict[str, str], name: str, *, allow_empty: bool = False) -> str:
    value = params.get(name)
    if value is None or not (value or allow_empty):
        raise MalformedRequest(f"missing field {name}")
    return value


def _parts(params: dict[str, str]) -> tuple[int, int] | None:
    if params.get("concat") != "true":
        return None
    part, total = _required(params, "concat-part"), _required(params, "concat-total")
    if not (part.isdecimal() and total.isdecimal() and len(part) < 4 and len(total) < 4):
        raise MalformedRequest("concat-part and concat-total must be small integers")
    return int(part), int(total)


class VonageAdapter(OneMessagePerRequest):
    """Inbound SMS by GET, POST form or POST JSON: `msisdn`, `to`, `text`, `messageId`."""

    name = "vonage"
    acknowledgement = Acknowledgement(204, "text/plain; charset=utf-8", b"")

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify `sig` and `timestamp`, then read the message; binary SMS are ignored."""
        params = verify(request, secrets, now)
        if params.get("type") == "binary":
            raise IgnoredEvent("binary SMS carry no text")
        return InboundSms(
            provider=self.name,
            message_id=_required(params, "messageId"),
            sender=_required(params, "msisdn"),
            recipient=_required(params, "to"),
            text=_required(params, "text", allow_empty=True),
            provider_time=params.get("message-timestamp") or None,
            parts=_parts(params),
            concat_ref=params.get("concat-ref") or None,
        )
