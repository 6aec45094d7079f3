"""Which channels can hold orders (auto-confirm off), and switching auto-confirm off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from saleor_app.context import AppContext
from saleor_app.saleor.client import SaleorRefused
from saleor_app.store.tenants import Tenant


@dataclass(frozen=True)
class ChannelStatus:
    """A channel and whether the app can hold its orders."""

    id: str
    slug: str
    name: str
    auto_confirm: bool

    @property
    def can_hold(self) -> bool:
        """Orders stay UNCONFIRMED only when the channel does not confirm them itself."""
        return not self.auto_confirm

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> ChannelStatus:
        """From a `channels` item."""
        settings = node.get("orderSettings") or {}
        return cls(
            id=node["id"],
            slug=node["slug"],
            name=node.get("name") or node["slug"],
            auto_confirm=bool(settings.get("automaticallyConfirmAllNewOrders", True)),
        )


async def channel_statuses(ctx: AppContext, tenant: Tenant) -> list[ChannelStatus]:
    """Every channel of the tenant's Saleor with its auto-confirm setting."""
    result = await ctx.saleor(tenant).query("channels_order_settings")
    return [ChannelStatus.from_node(node) for node in result.get("channels") or []]


async def disable_auto_confirm(ctx: AppContext, tenant: Tenant, channel_id: str) -> ChannelStatus:
    """Switch a channel's auto-confirm off (needs only MANAGE_ORDERS). Run directly, not
    queued: the merchant clicked and waits for the answer."""
    result = await ctx.saleor(tenant).execute("channel_disable_auto_confirm", {"id": channel_id})
    payload = result["channelUpdate"]
    if payload["errors"]:
        error = payload["errors"][0]
        raise SaleorRefused(f"channelUpdate: {error.get('code')}: {error.get('message')}")
    return ChannelStatus.from_node(payload["channel"])
