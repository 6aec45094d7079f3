"""The facts the risk rules look at: from the Saleor payload and the tenant's history."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from saleor_app.core.email_domains import email_domain, is_disposable
from saleor_app.core.phones import PhoneFacts, phone_facts
from saleor_app.core.risk import RiskInput, RiskRules
from saleor_app.store.decisions import FactKeys, Gathered, gather
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands
from saleor_app.store.tenants import set_if_installed

Generation = tuple[str, str]
"""A tenant view's generation key and token, as the store scripts check them."""
Claim = tuple[str, str, int]
"""An order's record key, claim key and claim seconds."""


@dataclass(frozen=True)
class Purchase:
    """The parts of an order or checkout payload the app uses."""

    id: str
    channel: str
    email: str | None
    user_id: str | None
    total: float
    currency: str
    phone: str | None
    billing_country: str | None
    shipping_country: str | None
    shipping_address: str | None
    phone_facts: PhoneFacts | None = None

    @cached_property
    def subjects(self) -> dict[str, str]:
        """Digests of the e-mail, phone and shipping address (the ones given), by kind: what
        velocity is counted on."""
        subjects = {"email": self.email, "phone": self.phone, "address": self.shipping_address}
        return {kind: _digest(value) for kind, value in subjects.items() if value}

    @classmethod
    def from_order(cls, order: dict[str, Any]) -> Purchase:
        """From the `RiskOrder` fragment."""
        return _purchase(order, order.get("userEmail"), order.get("total"), order.get("user"))

    @classmethod
    def from_checkout(cls, checkout: dict[str, Any]) -> Purchase:
        """From the `RiskCheckout` fragment."""
        return _purchase(checkout, checkout.get("email"), checkout.get("totalPrice"), None)


def _purchase(obj: dict[str, Any], email: Any, total: Any, user: Any) -> Purchase:
    billing = obj.get("billingAddress") or {}
    shipping = obj.get("shippingAddress") or {}
    billing_country = (billing.get("country") or {}).get("code")
    gross = (total or {}).get("gross") or {}
    raw_phone = billing.get("phone") or shipping.get("phone") or ""
    region = billing_country or (shipping.get("country") or {}).get("code")
    phone = phone_facts(raw_phone, region) if raw_phone else None
    street = [shipping.get(k) or "" for k in ("streetAddress1", "postalCode", "city")]
    return Purchase(
        id=str(obj["id"]),
        channel=str((obj.get("channel") or {}).get("slug") or ""),
        email=email.strip().lower() if isinstance(email, str) and email else None,
        user_id=user.get("id") if isinstance(user, dict) else None,
        total=float(gross.get("amount") or 0),
        currency=str(gross.get("currency") or ""),
        phone=phone.e164 if phone else None,
        billing_country=billing_country,
        shipping_country=(shipping.get("country") or {}).get("code"),
        shipping_address="|".join(s.strip().upper() for s in street) if any(street) else None,
        phone_facts=phone,
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def customer_digest(purchase: Purchase) -> str:
    """Who placed the purchase: the customer account, else the e-mail ("" when neither)."""
    who = f"user:{purchase.user_id}" if purchase.user_id else purchase.email or ""
    return _digest(who) if who else ""


class History:
    """What the tenant has seen before: customers, velocity, recently verified phones."""

    def __init__(self, redis: Commands, tenant_id: str) -> None:
        self._redis = redis
        self._tenant = tenant_id

    def _key(self, *parts: str) -> str:
        return tenant_key(self._tenant, "hist", *parts)

    def customer_key(self, purchase: Purchase) -> str:
        """The counter of the purchase's customer (account, else e-mail) orders."""
        return self._key("cust", _digest(purchase.user_id or purchase.email or ""))

    def verified_key(self, phone: str, customer: str) -> str:
        """The mark of a phone verified by SMS together with one customer (`customer_digest`)."""
        return self._key("verified", _digest(f"{phone}|{customer}"))

    def keys(self, purchase: Purchase) -> FactKeys:
        """The counters and marks a purchase's facts are read from. The verified-phone credit is
        looked up for this phone *and* this customer: whoever types a phone that another shopper
        verified gets nothing from it."""
        phone, customer = purchase.phone, customer_digest(purchase)
        return FactKeys(
            customer=self.customer_key(purchase),
            verified_phone=self.verified_key(phone, customer) if phone and customer else None,
            velocity=[self._key("vel", kind, d) for kind, d in purchase.subjects.items()],
        )

    async def facts(
        self, purchase: Purchase, rules: RiskRules, view: Generation, claim: Claim | None
    ) -> RiskInput | None:
        """Risk input for a purchase, in one round trip. With a claim (an order), only the first
        caller gets facts (None for a duplicate) and the order counts toward velocity."""
        record_key, claim_key, seconds = claim or (self._key("none"), self._key("none"), 0)
        window = rules.velocity_window_hours * 3600
        gathered = await gather(
            self._redis, view, record_key, claim_key, seconds, self.keys(purchase), window
        )
        if not gathered.first:
            return None
        return risk_input(purchase, gathered, list(purchase.subjects))

    async def remember_verified_phone(
        self, phone: str, customer: str, days: int, sender_line: str | None
    ) -> None:
        """Mark a phone as verified by SMS by this customer for `days` (the same customer is not
        asked again for it); nothing without a customer, or once the tenant is uninstalled."""
        if not customer:
            return
        key, line = self.verified_key(phone, customer), sender_line or "mobile"
        await set_if_installed(self._redis, self._tenant, key, line, days * 86400)


def risk_input(purchase: Purchase, gathered: Gathered, subjects: list[str]) -> RiskInput:
    """The rules' view of a purchase and what the store knows of its shopper."""
    domain = email_domain(purchase.email)
    phone = purchase.phone_facts
    phone_kind = (gathered.verified_line or phone.line_type) if phone else None
    return RiskInput(
        total=purchase.total,
        currency=purchase.currency,
        is_guest=purchase.user_id is None,
        previous_orders=gathered.previous_orders,
        billing_country=purchase.billing_country,
        shipping_country=purchase.shipping_country,
        phone=purchase.phone,
        phone_country=phone.region if phone else None,
        email_domain=domain,
        email_disposable=is_disposable(domain),
        velocity=dict(zip(subjects, gathered.velocity, strict=True)),
        phone_line_type=_risky_line(phone_kind),
        phone_verified_recently=gathered.verified_line is not None,
    )


def _risky_line(kind: str | None) -> str | None:
    if kind is None:
        return None
    lowered = kind.lower()
    if lowered in ("voip",):
        return "voip"
    if lowered in ("landline", "fixed_line"):
        return "landline"
    return None
