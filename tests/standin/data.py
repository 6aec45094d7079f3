"""Builders for the fake shop data: plain dicts shaped like Saleor's GraphQL types."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

PERMISSION_NAMES = {
    "MANAGE_ORDERS": "Manage orders.",
    "MANAGE_CHECKOUTS": "Manage checkouts",
    "MANAGE_CHANNELS": "Manage channels.",
    "MANAGE_APPS": "Manage external apps.",
}


def now_iso() -> str:
    """Current UTC time in Saleor's ISO format (+00:00 offset, microseconds)."""
    return datetime.now(UTC).isoformat()


def global_id(type_name: str, pk: object) -> str:
    """Saleor/Graphene global id: base64("Type:pk")."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def from_global_id(gid: str) -> tuple[str, str] | None:
    """Decode a global id into (type, pk), or None when it is not one."""
    try:
        raw = base64.b64decode(gid.encode("ascii"), validate=True).decode("utf-8")
    except (ValueError, UnicodeError):
        return None
    type_name, sep, pk = raw.partition(":")
    return (type_name, pk) if sep and type_name and pk else None


def permission(code: str) -> dict[str, Any]:
    """A Permission / UserPermission object."""
    name = PERMISSION_NAMES.get(code, code.replace("_", " ").capitalize() + ".")
    return {"code": code, "name": name, "sourcePermissionGroups": []}


def money(amount: float, currency: str = "USD") -> dict[str, Any]:
    """A Money object."""
    return {
        "amount": float(amount),
        "currency": currency,
        "fractionalAmount": round(amount * 100),
        "fractionDigits": 2,
    }


def taxed(amount: float, currency: str = "USD") -> dict[str, Any]:
    """A TaxedMoney object without tax."""
    return {
        "gross": money(amount, currency),
        "net": money(amount, currency),
        "tax": money(0.0, currency),
        "currency": currency,
    }


def address(
    *,
    phone: str = "",
    country: str = "US",
    city: str = "Michigan City",
    postal_code: str = "49360",
    first_name: str = "Test",
    last_name: str = "Shopper",
    street: str = "1 Main Street",
) -> dict[str, Any]:
    """An Address; phone is "" when none was given and the city is upper-cased, like Saleor."""
    return {
        "__typename": "Address",
        "id": global_id("Address", uuid.uuid4().int % 100000),
        "firstName": first_name,
        "lastName": last_name,
        "companyName": "",
        "streetAddress1": street,
        "streetAddress2": "",
        "city": city.upper(),
        "cityArea": "",
        "postalCode": postal_code,
        "country": {"code": country, "country": country},
        "countryArea": "",
        "phone": phone,
        "metadata": [],
        "privateMetadata": [],
        "isDefaultShippingAddress": None,
        "isDefaultBillingAddress": None,
    }


def channel(
    pk: int, slug: str, *, auto_confirm: bool = True, currency: str = "USD", name: str | None = None
) -> dict[str, Any]:
    """A Channel with its orderSettings."""
    return {
        "__typename": "Channel",
        "id": global_id("Channel", pk),
        "slug": slug,
        "name": name or slug.replace("-", " ").title(),
        "isActive": True,
        "currencyCode": currency,
        "hasOrders": False,
        "defaultCountry": {"code": "US", "country": "United States of America"},
        "warehouses": [],
        "stockSettings": {"allocationStrategy": "PRIORITIZE_SORTING_ORDER"},
        "orderSettings": {
            "automaticallyConfirmAllNewOrders": auto_confirm,
            "automaticallyFulfillNonShippableGiftCard": True,
            "expireOrdersAfter": None,
            "markAsPaidStrategy": "PAYMENT_FLOW",
            "deleteExpiredOrdersAfter": 60,
            "allowUnpaidOrders": False,
            "includeDraftOrderInVoucherUsage": False,
            "draftOrderLinePriceFreezePeriod": 24,
            "useLegacyLineDiscountPropagation": False,
        },
        "checkoutSettings": {
            "useLegacyErrorFlow": True,
            "automaticallyCompleteFullyPaidCheckouts": False,
            "allowLegacyGiftCardUse": True,
        },
        "paymentSettings": {
            "defaultTransactionFlowStrategy": "CHARGE",
            "releaseFundsForExpiredCheckouts": True,
            "checkoutTtlBeforeReleasingFunds": 6,
            "checkoutReleaseFundsCutOffDate": None,
        },
        "metadata": [],
        "privateMetadata": [],
    }


def customer(
    pk: int, email: str, *, orders_count: int = 1, is_staff: bool = False
) -> dict[str, Any]:
    """A User (customer or staff)."""
    return {
        "__typename": "User",
        "id": global_id("User", pk),
        "email": email,
        "firstName": "Test",
        "lastName": "Shopper",
        "isStaff": is_staff,
        "isActive": True,
        "isConfirmed": True,
        "addresses": [],
        "restrictedAccessToChannels": False,
        "languageCode": "EN_US",
        "dateJoined": now_iso(),
        "updatedAt": now_iso(),
        "orders": {
            "totalCount": orders_count,
            "edges": [],
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
        },
        "userPermissions": [],
        "metadata": [],
        "privateMetadata": [],
        "assignedAttributes": [],
    }


def order_line(
    *,
    quantity: int = 1,
    sku: str = "328223581",
    unit_price: float = 20.0,
    currency: str = "USD",
    product_type: str = "Top",
) -> dict[str, Any]:
    """An OrderLine with variant → product → productType."""
    product_type_node = {
        "id": global_id("ProductType", 1),
        "name": product_type,
        "slug": "top",
        "hasVariants": True,
        "isShippingRequired": True,
        "isDigital": False,
        "kind": "NORMAL",
        "metadata": [],
        "privateMetadata": [],
    }
    product = {
        "id": global_id("Product", 1),
        "name": "Monospace Tee",
        "slug": "monospace-tee",
        "productType": product_type_node,
        "metadata": [],
        "privateMetadata": [],
    }
    variant = {
        "id": global_id("ProductVariant", 1),
        "sku": sku,
        "name": "M",
        "product": product,
        "metadata": [],
        "privateMetadata": [],
    }
    return {
        "__typename": "OrderLine",
        "id": global_id("OrderLine", uuid.uuid4()),
        "productName": product["name"],
        "variantName": "M",
        "productSku": sku,
        "productVariantId": variant["id"],
        "isShippingRequired": True,
        "quantity": quantity,
        "quantityFulfilled": 0,
        "quantityToFulfill": quantity,
        "taxRate": 0.0,
        "unitPrice": taxed(unit_price, currency),
        "undiscountedUnitPrice": taxed(unit_price, currency),
        "totalPrice": taxed(unit_price * quantity, currency),
        "undiscountedTotalPrice": taxed(unit_price * quantity, currency),
        "variant": variant,
        "metadata": [],
        "privateMetadata": [],
    }


def order_event(
    pk: int,
    event_type: str,
    *,
    message: str | None = None,
    app: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An OrderEvent (note, confirmation, cancellation...)."""
    return {
        "__typename": "OrderEvent",
        "id": global_id("OrderEvent", pk),
        "type": event_type,
        "message": message,
        "date": now_iso(),
        "app": app,
        "user": user,
    }


def metadata_items(values: dict[str, str] | None) -> list[dict[str, str]]:
    """A [MetadataItem] list from a dict."""
    return [{"key": k, "value": v} for k, v in (values or {}).items()]


def event_root(
    typename: str,
    recipient: dict[str, Any],
    version: str,
    issuer: dict[str, Any] | None = None,
    **payload: Any,
) -> dict[str, Any]:
    """The root object of a webhook event (the Event interface)."""
    return {
        "__typename": typename,
        "issuedAt": now_iso(),
        "version": version,
        "recipient": recipient,
        "issuingPrincipal": issuer,
        **payload,
    }


def principal_app(app: dict[str, Any]) -> dict[str, Any]:
    """issuingPrincipal for an app (union member App)."""
    return {"__typename": "App", **app}


def principal_user(user: dict[str, Any]) -> dict[str, Any]:
    """issuingPrincipal for a user (union member User)."""
    return {"__typename": "User", **user}
