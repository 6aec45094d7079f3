"""The facts the risk rules look at: from the Saleor payload and the tenant's history."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from saleor_app.core.email_domains import email_domain, is_disposable
from saleor_app.core.phones import line_type, normalize_phone, region_of
from saleor_app.core.risk import RiskInput, RiskRules
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands


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
    street = [shipping.get(k) or "" for k in ("streetAddress1", "postalCode", "city")]
    return Purchase(
        id=str(obj["id"]),
        channel=str((obj.get("channel") or {}).get("slug") or ""),
        email=email.strip().lower() if isinstance(email, str) and email else None,
        user_id=user.get("id") if isinstance(user, dict) else None,
        total=float(gross.get("amount") or 0),
        currency=str(gross.get("currency") or ""),
        phone=normalize_phone(raw_phone, region) if raw_phone else None,
        billing_country=billing_country,
        shipping_country=(shipping.get("country") or {}).get("code"),
        shipping_address="|".join(s.strip().upper() for s in street) if any(street) else None,
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


class History:
    """What the tenant has seen before: customers, velocity, recently verified phones."""

    def __init__(self, redis: Commands, tenant_id: str) -> None:
        self._redis = redis
        self._tenant = tenant_id

    def _key(self, *parts: str) -> str:
        return tenant_key(self._tenant, "hist", *parts)

    def _subjects(self, purchase: Purchase) -> dict[str, str]:
        subjects = {
            "email": purchase.email,
            "phone": purchase.phone,
            "address": purchase.shipping_address,
        }
        return {kind: _digest(value) for kind, value in subjects.items() if value}

    async def facts(self, purchase: Purchase, rules: RiskRules, count_order: bool) -> RiskInput:
        """Risk input for a purchase; an order (count_order) also counts toward velocity."""
        window = rules.velocity_window_hours * 3600
        velocity: dict[str, int] = {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for kind, digest in self._subjects(purchase).items():
                key = self._key("vel", kind, digest)
                if count_order:
                    pipe.incr(key)
                    pipe.expire(key, window, nx=True)
                else:
                    pipe.get(key)
                    pipe.exists(key)
            counts = await pipe.execute()
        for index, kind in enumerate(self._subjects(purchase)):
            velocity[kind] = int(counts[index * 2] or 0)
        customer = purchase.user_id or purchase.email or ""
        previous = int(await self._redis.get(self._key("cust", _digest(customer))) or 0)
        verified = None
        if purchase.phone:
            verified = await self._redis.get(self._key("verified", _digest(purchase.phone)))
        domain = email_domain(purchase.email)
        phone_kind = (verified or line_type(purchase.phone)) if purchase.phone else None
        return RiskInput(
            total=purchase.total,
            currency=purchase.currency,
            is_guest=purchase.user_id is None,
            previous_orders=previous,
            billing_country=purchase.billing_country,
            shipping_country=purchase.shipping_country,
            phone=purchase.phone,
            phone_country=region_of(purchase.phone) if purchase.phone else None,
            email_domain=domain,
            email_disposable=is_disposable(domain),
            velocity=velocity,
            phone_line_type=_risky_line(phone_kind),
            phone_verified_recently=verified is not None,
        )

    async def count_customer_order(self, purchase: Purchase) -> None:
        """Remember one more order from this customer (for the first-order rule)."""
        customer = purchase.user_id or purchase.email
        if customer:
            await self._redis.incr(self._key("cust", _digest(customer)))

    async def remember_verified_phone(self, phone: str, days: int, sender_line: str | None) -> None:
        """Mark a phone as verified by SMS for `days` (returning shoppers are not asked again)."""
        await self._redis.set(
            self._key("verified", _digest(phone)), sender_line or "mobile", ex=days * 86400
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
