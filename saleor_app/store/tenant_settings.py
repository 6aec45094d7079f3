"""A merchant's settings per tenant: stored as one document, sealed at rest."""

from __future__ import annotations

import json
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from saleor_app.core.alphabet import CodeAlphabet
from saleor_app.core.challenge_config import ChallengeConfig
from saleor_app.core.model import SenderPolicy
from saleor_app.core.phones import normalize_phone, region_of
from saleor_app.core.provider_secrets import ProviderSecrets
from saleor_app.core.spec import CodeSpec
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenants import generation_key, new_generation

OPENED_CACHE_SIZE = 256

PROVIDERS = ("smsmode", "twilio", "vonage", "plivo", "telnyx", "whatsapp", "generic")


class ChallengeMode(StrEnum):
    """When orders are challenged: never, by risk score, or always."""

    OFF = "OFF"
    RISK_BASED = "RISK_BASED"
    ALWAYS = "ALWAYS"


class ExpiryPolicy(StrEnum):
    """What happens to a held order whose challenge expired or was rejected."""

    KEEP_HELD = "KEEP_HELD"
    CANCEL = "CANCEL"


class ProviderSettings(BaseModel):
    """One inbound SMS provider: switched on or off, with its write-only secrets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    twilio_auth_token: str | None = None
    vonage_signature_secret: str | None = None
    vonage_signature_method: str | None = None
    plivo_auth_token: str | None = None
    telnyx_public_key: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    replaced_secret: str | None = None
    """The secret the current one replaced, still accepted until `replaced_until`."""
    replaced_until: float = 0.0

    def replaced(self, now: float) -> str | None:
        """The replaced secret while it is still accepted."""
        return self.replaced_secret if now < self.replaced_until else None


PROVIDER_SECRET_FIELDS = {
    "twilio": "twilio_auth_token",
    "vonage": "vonage_signature_secret",
    "plivo": "plivo_auth_token",
    "telnyx": "telnyx_public_key",
    "whatsapp": "whatsapp_app_secret",
}
"""The one secret each provider's requests are verified with."""


class ChannelSettings(BaseModel):
    """Per-channel overrides of the tenant's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    challenge_mode: ChallengeMode | None = None
    risk: dict[str, float] = Field(default_factory=dict)


class CountryNumber(BaseModel):
    """A virtual number beside the default one, shown to shoppers whose phone is from one of
    its countries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str
    countries: list[str]


class TenantSettings(BaseModel):
    """Everything the merchant configures; defaults suit a new shop."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    virtual_number: str = ""
    """The default number: shown to every shopper no other number serves."""
    virtual_number_countries: list[str] = Field(default_factory=list)
    """Countries the merchant rented the default number for (information only)."""
    country_numbers: list[CountryNumber] = Field(default_factory=list)
    whatsapp_number: str = ""
    """The WhatsApp number shoppers may message the code to instead; empty: no WhatsApp."""
    sender_policy: SenderPolicy = SenderPolicy.STRICT
    challenge_mode: ChallengeMode = ChallengeMode.RISK_BASED
    code_length: int = 8
    code_alphabet: CodeAlphabet = CodeAlphabet.CROCKFORD
    keyword: str = ""
    ttl_seconds: int = 600
    max_attempts: int = 5
    max_renewals: int = 5
    sender_rate_limit: int = 10
    sender_rate_window_seconds: int = 600
    expiry_policy: ExpiryPolicy = ExpiryPolicy.KEEP_HELD
    reject_policy: ExpiryPolicy = ExpiryPolicy.CANCEL
    allowed_origins: list[str] = Field(default_factory=list)
    outbound_sms_price: float = Field(default=0.07, ge=0, le=10)
    outbound_sms_currency: str = ""
    """Empty: the currency of the shop's own orders."""
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    channels: dict[str, ChannelSettings] = Field(default_factory=dict)

    @field_validator("virtual_number", "whatsapp_number")
    @classmethod
    def _e164(cls, value: str) -> str:
        if not value:
            return value
        e164 = normalize_phone(value, None)
        if e164 is None:
            raise ValueError("must be a valid phone number, e.g. +33612345678")
        return e164

    @field_validator("country_numbers")
    @classmethod
    def _country_numbers(cls, value: list[CountryNumber]) -> list[CountryNumber]:
        numbers: list[CountryNumber] = []
        for entry in value:
            e164 = normalize_phone(entry.number, None)
            if e164 is None:
                raise ValueError(f"{entry.number!r} must be a valid phone number")
            numbers.append(CountryNumber(number=e164, countries=entry.countries))
        return numbers

    def number_for(self, phone: str | None) -> str:
        """The virtual number a shopper with this phone is shown: the one serving the phone's
        country, else the default."""
        region = region_of(phone) if phone else None
        if region:
            for entry in self.country_numbers:
                if region in entry.countries:
                    return entry.number
        return self.virtual_number

    @property
    def all_numbers(self) -> frozenset[str]:
        """Every virtual number of the shop."""
        extra = (entry.number for entry in self.country_numbers)
        return frozenset(n for n in (self.virtual_number, *extra) if n)

    @field_validator("providers")
    @classmethod
    def _known_providers(cls, value: dict[str, ProviderSettings]) -> dict[str, ProviderSettings]:
        unknown = set(value) - set(PROVIDERS)
        if unknown:
            raise ValueError(f"unknown provider(s): {', '.join(sorted(unknown))}")
        return value

    def challenge_config(self) -> ChallengeConfig:
        """The engine's view of these settings."""
        return ChallengeConfig(
            code=CodeSpec(self.code_length, self.code_alphabet, self.keyword),
            ttl_seconds=self.ttl_seconds,
            sender_policy=self.sender_policy,
            max_attempts=self.max_attempts,
            max_renewals=self.max_renewals,
            sender_rate_limit=self.sender_rate_limit,
            sender_rate_window_seconds=self.sender_rate_window_seconds,
        )

    def problems(self) -> list[str]:
        """Person-readable problems with these settings as a whole; empty when valid."""
        return self.challenge_config().validate()

    def provider(self, name: str) -> ProviderSettings:
        """The settings of one provider (disabled when never configured)."""
        return self.providers.get(name, ProviderSettings())

    def provider_secrets(self, generic_secret: str) -> ProviderSecrets:
        """Secrets for the enabled providers only: a disabled provider verifies nothing."""

        def enabled(name: str) -> ProviderSettings | None:
            settings = self.provider(name)
            return settings if settings.enabled else None

        twilio, vonage = enabled("twilio"), enabled("vonage")
        plivo, telnyx, whatsapp = enabled("plivo"), enabled("telnyx"), enabled("whatsapp")
        return ProviderSecrets(
            twilio_auth_token=twilio.twilio_auth_token if twilio else None,
            vonage_signature_secret=vonage.vonage_signature_secret if vonage else None,
            vonage_signature_method=vonage.vonage_signature_method if vonage else None,
            plivo_auth_token=plivo.plivo_auth_token if plivo else None,
            telnyx_public_key=telnyx.telnyx_public_key if telnyx else None,
            generic_secret=generic_secret if enabled("generic") else None,
            whatsapp_app_secret=whatsapp.whatsapp_app_secret if whatsapp else None,
            whatsapp_verify_token=whatsapp.whatsapp_verify_token if whatsapp else None,
        )

    def replaced_secrets(self, generic_secret: str | None, now: float) -> ProviderSecrets | None:
        """The secrets that rotations replaced and that still work, for the enabled providers;
        None when there is none."""
        values: dict[str, str | None] = {}
        for name, field in PROVIDER_SECRET_FIELDS.items():
            settings = self.provider(name)
            values[field] = settings.replaced(now) if settings.enabled else None
        if self.provider("generic").enabled:
            values["generic_secret"] = generic_secret
        if not any(values.values()):
            return None
        method = self.provider("vonage").vonage_signature_method
        return ProviderSecrets(**values, vonage_signature_method=method)

    def mode_for_channel(self, channel: str) -> ChallengeMode:
        """The challenge mode in force in a channel."""
        override = self.channels.get(channel)
        if override is not None and override.challenge_mode is not None:
            return override.challenge_mode
        return self.challenge_mode


class InvalidSettings(Exception):
    """Settings a merchant tried to save are invalid; `problems` maps field to message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def validated(data: dict[str, object]) -> TenantSettings:
    """Build settings from a plain mapping, or raise InvalidSettings with field messages."""
    try:
        settings = TenantSettings.model_validate(data)
    except ValidationError as exc:
        problems = {
            ".".join(str(p) for p in err["loc"]) or "settings": str(err["msg"]).removeprefix(
                "Value error, "
            )
            for err in exc.errors()
        }
        raise InvalidSettings(problems) from None
    whole = settings.problems()
    if whole:
        raise InvalidSettings({"settings": " ".join(whole)})
    return settings


def settings_key(tenant_id: str) -> str:
    """The key holding a tenant's sealed settings document."""
    return tenant_key(tenant_id, "settings")


class TenantSettingsRepository:
    """Loads and saves a tenant's settings document."""

    def __init__(self, redis: Commands, box: SecretBox) -> None:
        self._redis = redis
        self._box = box
        self._open = lru_cache(maxsize=OPENED_CACHE_SIZE)(self._open_uncached)

    async def get(self, tenant_id: str) -> TenantSettings:
        """The tenant's settings, or the defaults (one GET; unchanged documents are not
        decrypted and validated again: settings are frozen, so one object serves all)."""
        return self.opened(await self._redis.get(settings_key(tenant_id)))

    def opened(self, sealed: str | None) -> TenantSettings:
        """The settings stored as `sealed`, or the defaults when there is none."""
        return TenantSettings() if sealed is None else self._open(sealed)

    def _open_uncached(self, sealed: str) -> TenantSettings:
        return TenantSettings.model_validate(json.loads(self._box.open(sealed)))

    async def save(self, tenant_id: str, settings: TenantSettings) -> None:
        """Store the whole document, sealed."""
        sealed = self._box.seal(settings.model_dump_json())
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(settings_key(tenant_id), sealed)
            pipe.set(generation_key(tenant_id), new_generation())
            await pipe.execute()
