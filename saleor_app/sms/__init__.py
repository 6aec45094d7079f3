"""Inbound SMS adapters: authenticate then parse each provider's webhook, pure over bytes."""

from saleor_app.sms.base import (
    Acknowledgement,
    Handshake,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    ProviderSecrets,
    SignatureError,
    SmsAdapter,
)
from saleor_app.sms.generic import sign_generic
from saleor_app.sms.registry import ADAPTERS

__all__ = [
    "ADAPTERS",
    "Acknowledgement",
    "Handshake",
    "IgnoredEvent",
    "InboundRequest",
    "InboundSms",
    "MalformedRequest",
    "ProviderSecrets",
    "SignatureError",
    "SmsAdapter",
    "sign_generic",
]
