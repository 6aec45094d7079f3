"""The storefront's use cases: find an order's, checkout's or id's challenge, renew it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from saleor_app.context import AppContext
from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.engine.challenges import RenewOutcome, find, renew
from saleor_app.store.funnel import FunnelEvent
from saleor_app.store.orders import Decision, OrderRepository, OrderState
from saleor_app.storefront.settings_cache import SettingsCache
from saleor_app.storefront.views import ChallengeView, ShopperStatus, not_required, view_of

RELEASED_STATES = (OrderState.CONFIRMING, OrderState.CONFIRMED)


class RenewalLimit(Exception):
    """The challenge was renewed as often as the merchant allows."""


@dataclass(frozen=True)
class Shop:
    """One tenant as the public API sees it: its id and the app's services."""

    app: AppContext
    tenant_id: str
    cache: SettingsCache

    async def _view(self, challenge: Challenge | None) -> ChallengeView | None:
        if challenge is None or challenge.tenant != self.tenant_id:
            return None
        settings = await self.cache.get(self.app, self.tenant_id)
        view = view_of(challenge, settings.keyword, time.time(), settings.whatsapp_number)
        if view.status is ShopperStatus.PENDING:
            await self.app.challenges(self.tenant_id).funnel.record(challenge, FunnelEvent("shown"))
        return view

    async def opened(self, challenge_id: str, action: str) -> bool:
        """The shopper took an action of the widget (the SMS or WhatsApp link, the QR code
        shown, the code copied); counted once per challenge and action. False when the
        challenge is not this shop's, or the action was counted already."""
        store = self.app.challenges(self.tenant_id)
        challenge = await store.get(challenge_id)
        if challenge is None or challenge.tenant != self.tenant_id:
            return False
        channel = "whatsapp" if action.startswith("WHATSAPP") else "sms"
        if action == "CODE_COPIED":
            channel = ""
        return await store.funnel.record(challenge, FunnelEvent("opened", channel, action))

    async def by_order(self, order_id: str) -> ChallengeView | None:
        """The order's challenge; NOT_REQUIRED when the app let the order through, or when
        staff confirmed it without the SMS."""
        store = self.app.challenges(self.tenant_id)
        challenge = await find(store, "by-order", order_id)
        record = await OrderRepository(self.app.store.client, self.tenant_id).get(order_id)
        released = record is not None and record.state in RELEASED_STATES
        verified = challenge is not None and challenge.status is ChallengeStatus.VERIFIED
        if challenge is not None and (verified or not released):
            return await self._view(challenge)
        if record is not None and (record.decision is Decision.ALLOW or released):
            return not_required(order_id)
        return None

    async def by_checkout(self, checkout_id: str) -> ChallengeView | None:
        """The latest challenge opened for a checkout."""
        store = self.app.challenges(self.tenant_id)
        return await self._view(await find(store, "by-checkout", checkout_id))

    async def by_id(self, challenge_id: str) -> ChallengeView | None:
        """A challenge by its id."""
        return await self._view(await self.app.challenges(self.tenant_id).get(challenge_id))

    async def renew(self, challenge_id: str) -> ChallengeView | None:
        """A new code and expiry (the old code dies); final challenges come back unchanged."""
        store = self.app.challenges(self.tenant_id)
        settings = await self.app.tenant_settings.get(self.tenant_id)
        renewal = await renew(store, challenge_id, settings)
        if renewal.outcome is RenewOutcome.LIMIT:
            raise RenewalLimit
        if renewal.outcome is RenewOutcome.RENEWED:
            await store.publish(challenge_id, "PENDING")
        if renewal.challenge is None:
            return None
        return view_of(renewal.challenge, settings.keyword, time.time(),
                       settings.whatsapp_number)
