"""Real requests recorded from a Saleor 3.23 server, in tests/fixtures/saleor/captured."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.support.saleor_schemas import SALEOR_FIXTURES

CAPTURED_DIR = SALEOR_FIXTURES / "captured"
CAPTURED_API_URL = "http://localhost:8000/graphql/"
SIGNED_DELIVERIES = (
    "order_created",
    "o2_order_created_with_token",
    "first_order_created",
    "order_confirmed",
    "first_order_confirmed",
    "order_cancelled",
    "checkout_created",
    "checkout_updated_shipping_address_1",
    "o2_checkout_created_with_addresses_1",
    "app_deleted",
)


@dataclass(frozen=True)
class CapturedRequest:
    """One request Saleor sent: its headers in wire order and its exact body bytes."""

    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        """The first header of that name (case-insensitive)."""
        return next(v for k, v in self.headers if k.lower() == name.lower())

    @property
    def payload(self) -> dict[str, Any]:
        """The body as JSON."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def captured_request(name: str) -> CapturedRequest:
    """Load `<name>.headers.json` and `<name>.body.raw`."""
    meta = json.loads((CAPTURED_DIR / f"{name}.headers.json").read_text())
    return CapturedRequest(
        path=meta["path"],
        headers=[(k, v) for k, v in meta["headers"]],
        body=(CAPTURED_DIR / f"{name}.body.raw").read_bytes(),
    )


def captured_jwks() -> dict[str, Any]:
    """The public half of the key that signed every capture."""
    jwks: dict[str, Any] = json.loads((CAPTURED_DIR / "jwks.json").read_text())
    return jwks
