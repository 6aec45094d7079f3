"""The inbound SMS adapters by the provider name used in `/api/sms/{provider}/{tenant_key}`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from saleor_app.sms.base import SmsAdapter
from saleor_app.sms.generic import GenericAdapter
from saleor_app.sms.plivo import PlivoAdapter
from saleor_app.sms.smsmode import SmsmodeAdapter
from saleor_app.sms.telnyx import TelnyxAdapter
from saleor_app.sms.twilio import TwilioAdapter
from saleor_app.sms.vonage import VonageAdapter
from saleor_app.sms.whatsapp import WhatsAppCloudAdapter

_ALL: tuple[SmsAdapter, ...] = (
    SmsmodeAdapter(),
    TwilioAdapter(),
    VonageAdapter(),
    PlivoAdapter(),
    TelnyxAdapter(),
    WhatsAppCloudAdapter(),
    GenericAdapter(),
)

ADAPTERS: Mapping[str, SmsAdapter] = MappingProxyType({a.name: a for a in _ALL})
