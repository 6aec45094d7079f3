"""GraphQL types of the merchant API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from saleor_app.core.alphabet import CodeAlphabet
from saleor_app.core.model import SenderPolicy
from saleor_app.store.tenant_settings import ChallengeMode, ExpiryPolicy

SenderPolicyEnum = strawberry.enum(SenderPolicy, name="SenderPolicy")
ChallengeModeEnum = strawberry.enum(ChallengeMode, name="ChallengeMode")
ExpiryPolicyEnum = strawberry.enum(ExpiryPolicy, name="ExpiryPolicy")
CodeAlphabetEnum = strawberry.enum(CodeAlphabet, name="CodeAlphabet")


@strawberry.type
class FieldError:
    """A problem with one field, in words a person understands."""

    field: str
    message: str


@strawberry.type
class ProviderConfig:
    """One inbound SMS provider; secrets are reported as set or not, never shown."""

    provider: str
    enabled: bool
    inbound_url: str
    twilio_auth_token_set: bool
    vonage_signature_secret_set: bool
    vonage_signature_method: str | None
    plivo_auth_token_set: bool
    telnyx_public_key_set: bool
    whatsapp_app_secret_set: bool
    whatsapp_verify_token_set: bool
    replaced_secret_valid_until: datetime | None
    """After a secret was replaced with `keepReplacedSecretHours`: the old one works until then."""


@strawberry.type
class InboundUrl:
    """The URL to paste into a provider's console."""

    provider: str
    url: str


@strawberry.type
class RiskValue:
    """A rule weight or threshold override."""

    rule: str
    value: float


@strawberry.type
class ChannelRules:
    """Per-channel overrides: challenge mode and risk rules."""

    channel: str
    challenge_mode: ChallengeMode | None
    risk: list[RiskValue]


@strawberry.type
class RiskRule:
    """A rule or threshold that can be overridden per channel, with its default."""

    rule: str
    default: float
    description: str


@strawberry.type
class Settings:
    """The merchant's settings."""

    virtual_number: str
    numbers: list[VirtualNumber]
    """The default number (`virtualNumber`) first, then one per group of countries."""
    whatsapp_number: str | None
    """The WhatsApp number shoppers may message the code to; null: no WhatsApp."""
    sender_policy: SenderPolicy
    challenge_mode: ChallengeMode
    code_length: int
    code_alphabet: CodeAlphabet
    keyword: str
    ttl_seconds: int
    max_attempts: int
    expiry_policy: ExpiryPolicy
    reject_policy: ExpiryPolicy
    allowed_origins: list[str]
    outbound_sms_price: float
    outbound_sms_currency: str
    providers: list[ProviderConfig]
    inbound_urls: list[InboundUrl]
    previous_inbound_urls_valid_until: datetime | None
    """After a rotation: the replaced inbound URLs and generic secret work until then."""
    channels: list[ChannelRules]


@strawberry.type
class VirtualNumber:
    """A number shoppers send their SMS to, and the countries whose shoppers are shown it."""

    number: str
    countries: list[str]
    is_default: bool


@strawberry.type
class SettingsResult:
    """The settings as saved (or unchanged), and the problems that stopped a save."""

    settings: Settings
    errors: list[FieldError]


@strawberry.input
class ProviderInput:
    """Changes to one provider; a secret left out is kept, an empty string clears it."""

    provider: str
    enabled: bool | None = strawberry.UNSET
    twilio_auth_token: str | None = strawberry.UNSET
    vonage_signature_secret: str | None = strawberry.UNSET
    vonage_signature_method: str | None = strawberry.UNSET
    plivo_auth_token: str | None = strawberry.UNSET
    telnyx_public_key: str | None = strawberry.UNSET
    whatsapp_app_secret: str | None = strawberry.UNSET
    whatsapp_verify_token: str | None = strawberry.UNSET
    keep_replaced_secret_hours: int | None = strawberry.UNSET
    """When a secret is replaced: hours (1 to 168) during which the old one still works, while
    the provider switches over; left out or 0, the old secret stops at once."""


@strawberry.input
class RiskValueInput:
    """A rule weight or threshold override."""

    rule: str
    value: float


@strawberry.input
class ChannelRulesInput:
    """Overrides of one channel (by slug); null challengeMode inherits the shop's."""

    channel: str
    challenge_mode: ChallengeMode | None = strawberry.UNSET
    risk: list[RiskValueInput] | None = strawberry.UNSET


@strawberry.input
class VirtualNumberInput:
    """One virtual number: E.164, the ISO 3166 countries it serves, whether it is the default."""

    number: str
    countries: list[str]
    is_default: bool = False


@strawberry.input
class SettingsInput:
    """A partial change: fields left out stay as they are."""

    virtual_number: str | None = strawberry.UNSET
    numbers: list[VirtualNumberInput] | None = strawberry.UNSET
    """The whole list (it replaces the saved one); exactly one is the default."""
    whatsapp_number: str | None = strawberry.UNSET
    """E.164; null or empty switches WhatsApp off."""
    sender_policy: SenderPolicy | None = strawberry.UNSET
    challenge_mode: ChallengeMode | None = strawberry.UNSET
    code_length: int | None = strawberry.UNSET
    code_alphabet: CodeAlphabet | None = strawberry.UNSET
    keyword: str | None = strawberry.UNSET
    ttl_seconds: int | None = strawberry.UNSET
    max_attempts: int | None = strawberry.UNSET
    expiry_policy: ExpiryPolicy | None = strawberry.UNSET
    reject_policy: ExpiryPolicy | None = strawberry.UNSET
    allowed_origins: list[str] | None = strawberry.UNSET
    outbound_sms_price: float | None = strawberry.UNSET
    outbound_sms_currency: str | None = strawberry.UNSET
    providers: list[ProviderInput] | None = strawberry.UNSET
    channels: list[ChannelRulesInput] | None = strawberry.UNSET


@strawberry.type
class Reason:
    """One risk rule that fired."""

    rule: str
    weight: float
    explanation: str


@strawberry.type
class OrderEvent:
    """A step in the app's handling of an order."""

    at: datetime
    state: str
    event: str


@strawberry.type
class StaffDecision:
    """A person's decision on a held order."""

    action: str = strawberry.field(description="APPROVED or REJECTED.")
    by: str
    reason: str
    at: datetime


@strawberry.type
class Order:
    """An order the app decided, with its score, reasons and challenge."""

    id: strawberry.ID
    number: str
    channel: str
    decision: str
    score: float
    reasons: list[Reason]
    state: str
    decided_at: datetime
    total: str
    phone_hint: str | None
    challenge_id: str | None
    challenge_status: str | None
    staff_decision: StaffDecision | None
    dashboard_path: str
    dashboard_url: str
    history: list[OrderEvent]


@strawberry.type
class OrderActionResult:
    """The order after an approve or reject, or why nothing happened."""

    order: Order | None
    errors: list[FieldError]


@strawberry.type
class ChallengeView:
    """A challenge as the merchant sees it (no code)."""

    id: str
    status: str
    order_id: str | None
    checkout_id: str | None
    phone_hint: str | None
    created_at: datetime
    expires_at: datetime
    verified_at: datetime | None
    attempts: int
    renewals: int
    suspicious: int
    sender_line_type: str | None
    verified_channel: str | None
    """"whatsapp" when the code came by WhatsApp; null for an SMS."""


@strawberry.input
class ChallengeFilter:
    """Which challenges to list."""

    status: str | None = None
    order_id: str | None = None
    limit: int = 50


@strawberry.type
class Channel:
    """A Saleor channel and whether the app can hold its orders there."""

    id: strawberry.ID
    slug: str
    name: str
    auto_confirm: bool
    can_hold: bool
    challenge_mode: ChallengeMode


@strawberry.type
class ChannelResult:
    """A channel after a change, or why the change failed."""

    channel: Channel | None
    errors: list[FieldError]


@strawberry.type
class DeadLetter:
    """A background job that kept failing."""

    at: datetime
    job: str
    error: str
    order_id: str | None


@strawberry.type
class Problem:
    """Something the merchant should fix."""

    code: str
    severity: str
    message: str
    section: str


@strawberry.type
class DayStats:
    """One day of shopper SMS."""

    day: str
    sms_received: int
    verified: int
    saved: float


@strawberry.type
class Overview:
    """How the app is doing."""

    held: int
    verified: int
    expired: int
    rejected: int = strawberry.field(
        description="Rejected after too many wrong codes, or by staff (see rejected_by_staff)."
    )
    rejected_by_staff: int
    approved_by_staff: int
    pending_challenges: int
    median_seconds_to_verify: float | None
    sms_received: int
    saved: float
    currency: str
    outbound_sms_price: float
    days: list[DayStats]


@strawberry.type
class TestSmsResult:
    """What a simulated inbound SMS did."""

    ok: bool
    message: str
    challenge_id: str | None
    challenge_status: str | None
    http_status: int | None
    sms_from: str | None
    sms_to: str | None
    sms_text: str | None


@strawberry.type
class Me:
    """The staff user calling the API."""

    email: str
    token_type: str
    permissions: list[str]


@strawberry.type
class FunnelStep:
    """One step of the funnel: challenges that reached it, the share of those shown, and the
    median time from the challenge's creation (seconds, to a power of two)."""

    step: str
    count: int
    conversion: float | None
    median_seconds: float | None


@strawberry.type
class FunnelSlice:
    """The funnel of one channel (sms, whatsapp) or one shopper country (ISO code)."""

    key: str
    steps: list[FunnelStep]


@strawberry.type
class FunnelCount:
    """How often one widget action was taken."""

    key: str
    count: int


@strawberry.type
class Funnel:
    """Where shoppers drop out, over the last `days` days (steps: shown, opened, received,
    verified, expired, rejected)."""

    days: int
    steps: list[FunnelStep]
    by_channel: list[FunnelSlice]
    by_country: list[FunnelSlice]
    opened_by: list[FunnelCount]
