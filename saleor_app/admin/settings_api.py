"""Settings as the merchant API shows them, and partial updates with field errors."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import strawberry

from saleor_app.admin.types import (
    ChannelRules,
    ChannelRulesInput,
    FieldError,
    InboundUrl,
    ProviderConfig,
    ProviderInput,
    RiskRule,
    RiskValue,
    Settings,
    SettingsInput,
    VirtualNumber,
    VirtualNumberInput,
)
from saleor_app.admin.views import when
from saleor_app.core.challenge_config import MAX_ATTEMPTS_RANGE, TTL_RANGE
from saleor_app.core.countries import is_country
from saleor_app.core.keywords import keyword_problems
from saleor_app.core.model import SenderPolicy
from saleor_app.core.phones import normalize_phone
from saleor_app.core.risk import (
    DEFAULT_WEIGHTS,
    EXPLANATIONS,
    SCALAR_OVERRIDES,
    RiskRules,
)
from saleor_app.core.spec import MAX_CODE_LENGTH, MIN_CODE_LENGTH, CodeSpec
from saleor_app.sms.vonage import METHODS as VONAGE_METHODS
from saleor_app.store.tenant_settings import (
    PROVIDER_SECRET_FIELDS,
    PROVIDERS,
    InvalidSettings,
    TenantSettings,
    validated,
)
from saleor_app.store.tenants import Tenant

MAX_REPLACED_SECRET_HOURS = 168
SECRET_FIELDS = (
    "twilio_auth_token",
    "vonage_signature_secret",
    "plivo_auth_token",
    "telnyx_public_key",
    "whatsapp_app_secret",
    "whatsapp_verify_token",
)
SCALARS = (
    "virtual_number",
    "sender_policy",
    "challenge_mode",
    "code_length",
    "code_alphabet",
    "keyword",
    "ttl_seconds",
    "max_attempts",
    "expiry_policy",
    "reject_policy",
    "allowed_origins",
    "outbound_sms_price",
    "outbound_sms_currency",
)
SCALAR_DESCRIPTIONS = {
    "challenge_at": "Score from which the shopper is asked to send the SMS.",
    "review_at": "Score from which the order is held for a person to review.",
    "velocity_limit": "Orders with the same e-mail, phone or address before velocity fires.",
    "velocity_window_hours": "Window of the velocity rules, in hours.",
    "verified_within_days": "A phone verified within this many days lowers the score.",
    "default_amount_threshold": "High-amount threshold for currencies without their own.",
}


def camel(name: str) -> str:
    """snake_case → camelCase, per dotted segment."""
    parts = []
    for segment in name.split("."):
        head, *rest = segment.split("_")
        parts.append(head + "".join(word.capitalize() for word in rest))
    return ".".join(parts)


def inbound_url(app_url: str, tenant: Tenant, provider: str) -> str:
    """The URL a provider's console is given for this shop."""
    return f"{app_url}/api/sms/{provider}/{tenant.inbound_key}"


def settings_view(settings: TenantSettings, tenant: Tenant, app_url: str) -> Settings:
    """The settings without any secret value."""
    providers = []
    for name in PROVIDERS:
        current = settings.provider(name)
        providers.append(
            ProviderConfig(
                provider=name,
                enabled=current.enabled,
                inbound_url=inbound_url(app_url, tenant, name),
                twilio_auth_token_set=bool(current.twilio_auth_token),
                vonage_signature_secret_set=bool(current.vonage_signature_secret),
                vonage_signature_method=current.vonage_signature_method,
                plivo_auth_token_set=bool(current.plivo_auth_token),
                telnyx_public_key_set=bool(current.telnyx_public_key),
                whatsapp_app_secret_set=bool(current.whatsapp_app_secret),
                whatsapp_verify_token_set=bool(current.whatsapp_verify_token),
                replaced_secret_valid_until=(
                    when(current.replaced_until) if current.replaced(time.time()) else None
                ),
            )
        )
    channels = [
        ChannelRules(
            channel=slug,
            challenge_mode=rules.challenge_mode,
            risk=[RiskValue(rule=k, value=v) for k, v in sorted(rules.risk.items())],
        )
        for slug, rules in sorted(settings.channels.items())
    ]
    return Settings(
        virtual_number=settings.virtual_number,
        numbers=numbers_view(settings),
        whatsapp_number=settings.whatsapp_number or None,
        sender_policy=settings.sender_policy,
        challenge_mode=settings.challenge_mode,
        code_length=settings.code_length,
        code_alphabet=settings.code_alphabet,
        keyword=settings.keyword,
        ttl_seconds=settings.ttl_seconds,
        max_attempts=settings.max_attempts,
        expiry_policy=settings.expiry_policy,
        reject_policy=settings.reject_policy,
        allowed_origins=list(settings.allowed_origins),
        outbound_sms_price=settings.outbound_sms_price,
        outbound_sms_currency=settings.outbound_sms_currency,
        providers=providers,
        inbound_urls=[InboundUrl(provider=p.provider, url=p.inbound_url) for p in providers],
        previous_inbound_urls_valid_until=(
            when(tenant.previous_until) if tenant.previous_until > time.time() else None
        ),
        channels=channels,
    )


def numbers_view(settings: TenantSettings) -> list[VirtualNumber]:
    """The default number first (when set), then the numbers for other countries."""
    default = (
        [VirtualNumber(number=settings.virtual_number,
                       countries=list(settings.virtual_number_countries), is_default=True)]
        if settings.virtual_number else []
    )
    return default + [
        VirtualNumber(number=entry.number, countries=list(entry.countries), is_default=False)
        for entry in settings.country_numbers
    ]


def risk_rules() -> list[RiskRule]:
    """Every rule and threshold a channel may override, with defaults."""
    rules = RiskRules()
    found = [
        RiskRule(rule=rule, default=weight, description=EXPLANATIONS.get(rule, ""))
        for rule, weight in DEFAULT_WEIGHTS.items()
    ]
    for name in sorted(SCALAR_OVERRIDES):
        default = float(getattr(rules, name))
        found.append(RiskRule(rule=name, default=default, description=SCALAR_DESCRIPTIONS[name]))
    return found


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET and value is not None


def _apply_provider(data: dict[str, Any], change: ProviderInput) -> None:
    current = dict(data["providers"].get(change.provider) or {"enabled": False})
    if _given(change.enabled):
        current["enabled"] = change.enabled
    for name in (*SECRET_FIELDS, "vonage_signature_method"):
        value = getattr(change, name)
        if value is strawberry.UNSET:
            continue
        if name == PROVIDER_SECRET_FIELDS.get(change.provider):
            _keep_replaced(current, current.get(name), value, change.keep_replaced_secret_hours)
        current[name] = value or None
    data["providers"][change.provider] = current


def _keep_replaced(current: dict[str, Any], old: str | None, new: str | None, hours: Any) -> None:
    """A secret replaced by another keeps working for the hours asked (none by default: a
    leaked secret stops at once)."""
    if not old or not new or old == new:
        return
    keep = hours if isinstance(hours, int) else 0
    current["replaced_secret"] = old if keep else None
    current["replaced_until"] = time.time() + keep * 3600 if keep else 0.0


def _number_entries(numbers: list[VirtualNumberInput]) -> list[dict[str, Any]]:
    """The numbers as given, normalised to E.164 where they parse, countries upper-cased."""
    return [
        {
            "number": normalize_phone(n.number.strip(), None) or n.number.strip(),
            "countries": [c.strip().upper() for c in n.countries],
            "is_default": n.is_default,
        }
        for n in numbers
    ]


def _apply_numbers(data: dict[str, Any], numbers: list[VirtualNumberInput]) -> None:
    """The whole list: the default becomes `virtual_number`, the others `country_numbers`."""
    entries = _number_entries(numbers)
    defaults = [e for e in entries if e["is_default"]]
    if len(defaults) == 1:
        data["virtual_number"] = defaults[0]["number"]
        data["virtual_number_countries"] = defaults[0]["countries"]
    elif not entries:
        data["virtual_number"], data["virtual_number_countries"] = "", []
    data["country_numbers"] = [
        {"number": e["number"], "countries": e["countries"]} for e in entries if not e["is_default"]
    ]


def _number_problems(change: SettingsInput) -> list[FieldError]:
    """What is wrong with a new list of virtual numbers, in words."""
    if not _given(change.numbers):
        return []
    entries = _number_entries(change.numbers or [])
    problems: list[str] = []
    if entries and sum(1 for e in entries if e["is_default"]) != 1:
        problems.append("Mark exactly one number as the default.")
    seen: set[str] = set()
    served: dict[str, str] = {}
    for entry in entries:
        number = entry["number"]
        if normalize_phone(number, None) is None:
            problems.append(f"{number!r} is not a phone number in international format.")
        elif number in seen:
            problems.append(f"{number} is listed twice.")
        seen.add(number)
        if not entry["is_default"] and not entry["countries"]:
            problems.append(f"{number} serves no country: list the countries it is for.")
        for country in entry["countries"]:
            if not is_country(country):
                problems.append(f"{country!r} is not an ISO 3166 country code such as DE or FR.")
            elif country in served and served[country] != number:
                problems.append(f"{country} is served by two numbers: {served[country]} and "
                                f"{number}.")
            served[country] = number
    return [FieldError(field="numbers", message=problem) for problem in problems]


def _apply_channel(data: dict[str, Any], change: ChannelRulesInput) -> None:
    current = dict(data["channels"].get(change.channel) or {})
    if change.challenge_mode is not strawberry.UNSET:
        current["challenge_mode"] = change.challenge_mode
    if change.risk is not strawberry.UNSET:
        current["risk"] = {item.rule: item.value for item in change.risk or []}
    if current.get("challenge_mode") is None and not current.get("risk"):
        data["channels"].pop(change.channel, None)
    else:
        data["channels"][change.channel] = current


def merged(settings: TenantSettings, change: SettingsInput) -> dict[str, Any]:
    """The settings document with a partial change applied (not yet validated)."""
    data = settings.model_dump()
    for name in SCALARS:
        value = getattr(change, name)
        if _given(value):
            data[name] = value
    if _given(change.virtual_number) or change.virtual_number is None:
        data["virtual_number"] = (change.virtual_number or "").strip()
    if _given(change.whatsapp_number) or change.whatsapp_number is None:
        data["whatsapp_number"] = (change.whatsapp_number or "").strip()
    if _given(change.numbers):
        _apply_numbers(data, change.numbers or [])
    if _given(change.keyword):
        data["keyword"] = (change.keyword or "").strip()
    if _given(change.outbound_sms_currency) or change.outbound_sms_currency is None:
        data["outbound_sms_currency"] = (change.outbound_sms_currency or "").strip().upper()
    if _given(change.allowed_origins):
        data["allowed_origins"] = [o.strip().rstrip("/") for o in change.allowed_origins or []]
    for provider in change.providers or []:
        _apply_provider(data, provider)
    for channel in change.channels or []:
        _apply_channel(data, channel)
    return data


def _field_problems(data: dict[str, Any]) -> list[FieldError]:
    """Checks that name the field, before the model's own validation."""
    errors: list[FieldError] = []

    def add(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message))

    whatsapp = str(data["whatsapp_number"])
    if whatsapp and normalize_phone(whatsapp, None) is None:
        add("whatsappNumber", "The WhatsApp number must be a phone number in international "
            "format, e.g. +33612345678, or empty.")
    number = str(data["virtual_number"])
    if number and normalize_phone(number, None) is None:
        add(
            "virtualNumber",
            "The virtual number must be a phone number in international format, e.g. +33612345678.",
        )
    length = int(data["code_length"])
    if not MIN_CODE_LENGTH <= length <= MAX_CODE_LENGTH:
        add(
            "codeLength",
            f"The code length must be between {MIN_CODE_LENGTH} and {MAX_CODE_LENGTH} characters.",
        )
    for problem in keyword_problems(str(data["keyword"])):
        add("keyword", problem)
    low, high = TTL_RANGE
    if not low <= int(data["ttl_seconds"]) <= high:
        add(
            "ttlSeconds",
            f"The code lifetime must be between {low} and {high} seconds "
            f"({low // 60} to {high // 60} minutes).",
        )
    low, high = MAX_ATTEMPTS_RANGE
    if not low <= int(data["max_attempts"]) <= high:
        add(
            "maxAttempts", f"The number of wrong-code SMS allowed must be between {low} and {high}."
        )
    price = float(data["outbound_sms_price"])
    if not 0 <= price <= 10:
        add("outboundSmsPrice", "The price of one outbound SMS must be between 0 and 10.")
    currency = data["outbound_sms_currency"]
    if currency and not (len(currency) == 3 and currency.isascii() and currency.isupper()):
        add(
            "outboundSmsCurrency",
            "Write a three-letter currency code such as EUR or USD, or leave it empty for the "
            "currency of the shop's orders.",
        )
    for origin in data["allowed_origins"]:
        if not _is_origin(origin):
            add(
                "allowedOrigins",
                f"Write each origin like https://shop.example.com ({origin!r} is not one).",
            )
    for name in data["providers"]:
        if name not in PROVIDERS:
            add("providers", f"Unknown provider {name!r}: use one of {', '.join(PROVIDERS)}.")
    for name, provider in data["providers"].items():
        method = (provider or {}).get("vonage_signature_method")
        if method is not None and method.lower() not in VONAGE_METHODS:
            add(
                f"providers.{name}.vonageSignatureMethod",
                f"Use one of {', '.join(VONAGE_METHODS)} (as set in the Vonage dashboard).",
            )
    for slug, channel in data["channels"].items():
        try:
            RiskRules().with_overrides(channel.get("risk") or {})
        except ValueError as exc:
            add(f"channels.{slug}.risk", f"{str(exc).capitalize()}.")
    if not errors:
        strict = SenderPolicy(data["sender_policy"]) is SenderPolicy.STRICT
        spec = CodeSpec(length, data["code_alphabet"], "")
        for problem in spec.validate(strict_sender=strict):
            add("codeLength", problem)
    return errors


def _is_origin(origin: str) -> bool:
    """`scheme://host[:port]` and nothing else: no path, query, fragment, user or spaces."""
    try:
        parts = urlsplit(origin)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and port_ok
        and not (parts.path or parts.query or parts.fragment or "@" in parts.netloc)
        and origin.isascii()
        and origin.isprintable()
        and " " not in origin
        and "?" not in origin
        and "#" not in origin
    )


def apply_change(
    settings: TenantSettings, change: SettingsInput
) -> tuple[TenantSettings | None, list[FieldError]]:
    """The new settings, or the field errors that stop the change."""
    data = merged(settings, change)
    errors = _number_problems(change) + _field_problems(data) + _overlap_problems(change)
    if errors:
        return None, errors
    try:
        return validated(data), []
    except InvalidSettings as exc:
        return None, [
            FieldError(field=camel(field), message=_sentence(message))
            for field, message in exc.problems.items()
        ]


def _overlap_problems(change: SettingsInput) -> list[FieldError]:
    return [
        FieldError(
            field=f"providers.{provider.provider}.keepReplacedSecretHours",
            message=f"Keep a replaced secret 0 to {MAX_REPLACED_SECRET_HOURS} hours.",
        )
        for provider in change.providers or []
        if isinstance(provider.keep_replaced_secret_hours, int)
        and not 0 <= provider.keep_replaced_secret_hours <= MAX_REPLACED_SECRET_HOURS
    ]


def _sentence(message: str) -> str:
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
