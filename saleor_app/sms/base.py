"""Types shared by the inbound SMS adapters: the request, the parsed SMS, secrets and errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from saleor_app.core.provider_secrets import ProviderSecrets as ProviderSecrets


@dataclass(frozen=True)
class InboundRequest:
    """One provider call as received; `public_url` is APP_URL + path + the raw query string.

    Adapters decode parameters from `public_url`'s raw query, so they parse exactly what was signed.
    """

    method: str
    public_url: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str


@dataclass(frozen=True)
class InboundSms:
    """An authenticated inbound SMS; numbers are raw, as the provider wrote them."""

    provider: str
    message_id: str
    sender: str
    recipient: str
    text: str
    provider_time: str | None = None
    line_type: str | None = None
    carrier: str | None = None
    parts: tuple[int, int] | None = None
    concat_ref: str | None = None
    channel: str = ""
    """"whatsapp" for a WhatsApp message (Meta's Cloud API, Twilio's `whatsapp:` senders)."""


@dataclass(frozen=True)
class Acknowledgement:
    """The HTTP answer a provider expects once its call has been accepted."""

    status: int
    content_type: str
    body: bytes
    tells_outcome: bool = False
    """The body is JSON and also says what the SMS did (`outcome`, e.g. WRONG_CODE): only for
    our own `generic` protocol, whose callers hold the tenant's inbound secret."""


class SignatureError(Exception):
    """Missing, forged or expired signature, or provider not configured: answer 401."""


class MalformedRequest(Exception):
    """Authenticated or unsigned request whose content cannot be parsed: answer 400."""


class IgnoredEvent(Exception):
    """Authentic and well formed, but not an inbound text SMS: acknowledge, do not process."""


class Handshake(Exception):
    """A provider checking the URL before it sends anything: answer `status` with `body` as
    plain text (Meta's `hub.challenge` echo, or a refusal)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


class SmsAdapter(Protocol):
    """Authenticates then parses one provider's inbound SMS webhook."""

    @property
    def name(self) -> str: ...

    @property
    def acknowledgement(self) -> Acknowledgement: ...

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify `request` on its raw bytes, then parse it; raise one of the errors above."""
        ...

    def parse_all(
        self, request: InboundRequest, secrets: ProviderSecrets, now: float
    ) -> list[InboundSms]:
        """Every message of the request (one, except for providers that batch)."""
        ...


class OneMessagePerRequest:
    """Providers whose every request carries one message."""

    def parse(self, request: InboundRequest, secrets: ProviderSecrets, now: float) -> InboundSms:
        """Verify `request` on its raw bytes, then parse it."""
        raise NotImplementedError

    def parse_all(
        self, request: InboundRequest, secrets: ProviderSecrets, now: float
    ) -> list[InboundSms]:
        """The one message of the request."""
        return [self.parse(request, secrets, now)]
