"""One Saleor webhook = one definition: its manifest entry, its route and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from saleor_app.paths import WEBHOOKS_DIR
from saleor_app.saleor.documents import with_fragments

if TYPE_CHECKING:
    from saleor_app.context import AppContext
    from saleor_app.saleor.webhook_verifier import VerifiedWebhook

Handler = Callable[["VerifiedWebhook", "AppContext"], Awaitable[bool | None]]
"""Handles one verified delivery; True when it logged its own line for it."""


@dataclass(frozen=True)
class SaleorWebhook:
    """An async Saleor webhook whose subscription lives in `webhooks/<name>.graphql`."""

    name: str
    event: str
    handler: Handler

    @property
    def path(self) -> str:
        """The route Saleor posts to."""
        return "/api/webhooks/" + self.name.replace("_", "-")

    @property
    def query(self) -> str:
        """The subscription document."""
        return with_fragments((WEBHOOKS_DIR / f"{self.name}.graphql").read_text())

    def manifest_entry(self, app_url: str) -> dict[str, Any]:
        """The `webhooks[]` item of the manifest; inactive until the token is stored."""
        return {
            "name": self.name.replace("_", "-"),
            "asyncEvents": [self.event],
            "query": self.query,
            "targetUrl": app_url + self.path,
            "isActive": False,
        }


def payload_object(webhook: VerifiedWebhook, name: str) -> dict[str, Any]:
    """The event's `order` / `checkout` object, or a 400 when Saleor could not resolve it."""
    from saleor_app.saleor.webhook_verifier import WebhookRefused

    obj = webhook.payload.get(name)
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise WebhookRefused(400, "MISSING_OBJECT", f"payload has no {name}")
    return obj
