"""The merchant API schema: settings, orders, challenges, channels, problems, tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.types import ExecutionContext, Info

from graphql import GraphQLError
from saleor_app.admin import types as t
from saleor_app.admin.auth import Staff
from saleor_app.admin.funnel import funnel
from saleor_app.admin.overview import overview
from saleor_app.admin.problems import dismiss_fixed, problems
from saleor_app.admin.rehearsal import send_test_sms
from saleor_app.admin.settings_api import apply_change, risk_rules, settings_view
from saleor_app.admin.views import challenge_view, order_view, when
from saleor_app.context import AppContext
from saleor_app.core.model import Challenge
from saleor_app.jobs.dead_letter import dead_letters
from saleor_app.orders.actions import approve_order, reject_order
from saleor_app.orders.channels import ChannelStatus, channel_statuses, disable_auto_confirm
from saleor_app.saleor.client import SaleorRefused, SaleorUnavailable
from saleor_app.store.challenges import AUDIT_LENGTH
from saleor_app.store.orders import FINAL_STATES, OrderRecord, OrderRepository
from saleor_app.store.tenant_settings import TenantSettings
from saleor_app.store.tenants import MAX_INBOUND_OVERLAP_SECONDS, Tenant

log = logging.getLogger(__name__)

MAX_REASON = 500
MAX_LIMIT = 200
MAX_QUERY_DEPTH = 10
MAX_ALIASES = 20
MAX_QUERY_TOKENS = 4000


class SaleorError(Exception):
    """Saleor could not answer a read the merchant asked for."""


@dataclass(frozen=True)
class AdminContext:
    """What every resolver gets: the app, the tenant and the verified staff user."""

    app: AppContext
    tenant: Tenant
    staff: Staff


def _ctx(info: Info[AdminContext, None]) -> AdminContext:
    return info.context


DEFAULT_OVERLAP_HOURS = 24
MAX_OVERLAP_HOURS = MAX_INBOUND_OVERLAP_SECONDS // 3600


def _error(field: str, message: str) -> list[t.FieldError]:
    return [t.FieldError(field=field, message=message)]


async def _challenge(admin: AdminContext, record: OrderRecord) -> Challenge | None:
    if record.challenge_id is None:
        return None
    return await admin.app.challenges(admin.tenant.id).get(record.challenge_id)


async def _order(admin: AdminContext, record: OrderRecord) -> t.Order:
    return order_view(record, await _challenge(admin, record), admin.tenant.saleor_api_url)


def _channel(status: ChannelStatus, settings: TenantSettings) -> t.Channel:
    return t.Channel(
        id=strawberry.ID(status.id),
        slug=status.slug,
        name=status.name,
        auto_confirm=status.auto_confirm,
        can_hold=status.can_hold,
        challenge_mode=settings.mode_for_channel(status.slug),
    )


@strawberry.type
class Query:
    """Reads."""

    @strawberry.field
    def me(self, info: Info[AdminContext, None]) -> t.Me:
        """The staff user calling."""
        staff = _ctx(info).staff
        return t.Me(
            email=staff.email, token_type=staff.token_type, permissions=sorted(staff.permissions)
        )

    @strawberry.field
    async def settings(self, info: Info[AdminContext, None]) -> t.Settings:
        """The shop's settings; secrets only say whether they are set."""
        admin = _ctx(info)
        current = await admin.app.tenant_settings.get(admin.tenant.id)
        return settings_view(current, admin.tenant, admin.app.settings.app_url)

    @strawberry.field
    def risk_rules(self) -> list[t.RiskRule]:
        """Risk rules and thresholds a channel may override."""
        return risk_rules()

    @strawberry.field
    async def orders(
        self, info: Info[AdminContext, None], state: str | None = None, limit: int = 50
    ) -> list[t.Order]:
        """Decided orders, newest first; state e.g. HELD."""
        admin = _ctx(info)
        repo = OrderRepository(admin.app.store.client, admin.tenant.id)
        records = await repo.recent(limit=1000 if state else max(1, min(limit, MAX_LIMIT)))
        if state:
            records = [r for r in records if r.state.value == state.upper()]
        return [await _order(admin, r) for r in records[: max(1, min(limit, MAX_LIMIT))]]

    @strawberry.field
    async def order(self, info: Info[AdminContext, None], id: strawberry.ID) -> t.Order | None:
        """One decided order."""
        admin = _ctx(info)
        record = await OrderRepository(admin.app.store.client, admin.tenant.id).get(str(id))
        return await _order(admin, record) if record else None

    @strawberry.field
    async def challenges(
        self, info: Info[AdminContext, None], filter: t.ChallengeFilter | None = None
    ) -> list[t.ChallengeView]:
        """Recent challenges, newest first."""
        admin = _ctx(info)
        wanted = filter or t.ChallengeFilter()
        store = admin.app.challenges(admin.tenant.id)
        if wanted.order_id:
            found = await store.id_for("by-order", wanted.order_id)
            ids = [found] if found else []
        else:
            trail = await store.audit_trail(AUDIT_LENGTH)
            ids = list(dict.fromkeys(str(e["challenge"]) for e in trail))
        views = []
        for challenge_id in ids:
            challenge = await store.get(challenge_id)
            if challenge is None:
                continue
            if wanted.status and challenge.status.value != wanted.status.upper():
                continue
            views.append(challenge_view(challenge))
            if len(views) >= max(1, min(wanted.limit, MAX_LIMIT)):
                break
        return views

    @strawberry.field
    async def channels(self, info: Info[AdminContext, None]) -> list[t.Channel]:
        """Saleor channels and whether the app can hold orders there."""
        admin = _ctx(info)
        settings = await admin.app.tenant_settings.get(admin.tenant.id)
        try:
            statuses = await channel_statuses(admin.app, admin.tenant)
        except (SaleorUnavailable, SaleorRefused) as exc:
            log.warning("channels unavailable", extra={"tenant": admin.tenant.id})
            raise SaleorError("Saleor did not give the channel list; try again.") from exc
        return [_channel(s, settings) for s in statuses]

    @strawberry.field
    async def dead_letters(
        self, info: Info[AdminContext, None], limit: int = 100
    ) -> list[t.DeadLetter]:
        """Background jobs that failed after every retry."""
        admin = _ctx(info)
        entries = await dead_letters(admin.app, admin.tenant.id, max(1, min(limit, 500)))
        return [
            t.DeadLetter(
                at=when(float(e.get("at", 0))),
                job=str(e.get("job", "")),
                error=str(e.get("error", "")),
                order_id=str(e["order_id"]) if e.get("order_id") else None,
            )
            for e in entries
        ]

    @strawberry.field
    async def problems(self, info: Info[AdminContext, None]) -> list[t.Problem]:
        """What the merchant should fix."""
        admin = _ctx(info)
        return await problems(admin.app, admin.tenant)

    @strawberry.field
    async def overview(self, info: Info[AdminContext, None], days: int = 30) -> t.Overview:
        """Counts over the last `days` days."""
        admin = _ctx(info)
        return await overview(admin.app, admin.tenant, max(1, min(days, 90)))

    @strawberry.field
    async def funnel(self, info: Info[AdminContext, None], days: int = 30) -> t.Funnel:
        """Where shoppers drop out over the last `days` days (1 to 90)."""
        admin = _ctx(info)
        return await funnel(admin.app, admin.tenant.id, max(1, min(days, 90)))


@strawberry.type
class Mutation:
    """Changes."""

    @strawberry.mutation
    async def update_settings(
        self, info: Info[AdminContext, None], input: t.SettingsInput
    ) -> t.SettingsResult:
        """Change some settings; field errors say what to fix."""
        admin = _ctx(info)
        repo = admin.app.tenant_settings
        current = await repo.get(admin.tenant.id)
        changed, errors = apply_change(current, input)
        if changed is not None:
            await repo.save(admin.tenant.id, changed)
            current = changed
            log.info("settings changed", extra={"tenant": admin.tenant.id})
            await dismiss_fixed(admin.app, admin.tenant)
        app_url = admin.app.settings.app_url
        return t.SettingsResult(
            settings=settings_view(current, admin.tenant, app_url), errors=errors
        )

    @strawberry.mutation
    async def approve_order(
        self, info: Info[AdminContext, None], order_id: strawberry.ID, reason: str = ""
    ) -> t.OrderActionResult:
        """Release a held order: Saleor confirms it."""
        return await _decide(_ctx(info), str(order_id), reason, approve=True)

    @strawberry.mutation
    async def reject_order(
        self, info: Info[AdminContext, None], order_id: strawberry.ID, reason: str
    ) -> t.OrderActionResult:
        """Reject a held order: cancel it or keep it held."""
        return await _decide(_ctx(info), str(order_id), reason, approve=False)

    @strawberry.mutation
    async def disable_auto_confirm(
        self, info: Info[AdminContext, None], channel_id: strawberry.ID
    ) -> t.ChannelResult:
        """Switch a channel's auto-confirm off so orders can be held."""
        admin = _ctx(info)
        try:
            status = await disable_auto_confirm(admin.app, admin.tenant, str(channel_id))
        except SaleorRefused as exc:
            log.warning("channel update refused", extra={"tenant": admin.tenant.id})
            return t.ChannelResult(channel=None, errors=_error("channelId", str(exc)))
        except SaleorUnavailable:
            message = "Saleor did not answer; try again."
            return t.ChannelResult(channel=None, errors=_error("channelId", message))
        settings = await admin.app.tenant_settings.get(admin.tenant.id)
        log.info("auto-confirm switched off", extra={"tenant": admin.tenant.id})
        return t.ChannelResult(channel=_channel(status, settings), errors=[])

    @strawberry.mutation
    async def rotate_inbound_credentials(
        self, info: Info[AdminContext, None], overlap_hours: int = DEFAULT_OVERLAP_HOURS
    ) -> t.SettingsResult:
        """New inbound URLs and `generic` signing secret; the old ones keep working for
        `overlapHours` (0 to 168) while the providers' consoles are switched over."""
        admin = _ctx(info)
        app_url = admin.app.settings.app_url
        settings = await admin.app.tenant_settings.get(admin.tenant.id)
        if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
            message = f"between 0 and {MAX_OVERLAP_HOURS} hours"
            view = settings_view(settings, admin.tenant, app_url)
            return t.SettingsResult(settings=view, errors=_error("overlapHours", message))
        rotated = await admin.app.tenants.rotate_inbound(admin.tenant.id, overlap_hours * 3600)
        if rotated is None:
            raise GraphQLError("The app is not installed for this shop.")
        admin.app.tenant_cache.forget(admin.tenant.id)
        log.info("inbound credentials rotated",
                 extra={"tenant": admin.tenant.id, "overlap_hours": overlap_hours})
        return t.SettingsResult(settings=settings_view(settings, rotated, app_url), errors=[])

    @strawberry.mutation
    def reveal_generic_secret(self, info: Info[AdminContext, None]) -> str:
        """The key that signs `generic` inbound SMS, for a gateway of the merchant's own."""
        admin = _ctx(info)
        log.info("generic signing secret revealed", extra={"tenant": admin.tenant.id})
        return admin.tenant.inbound_secret

    @strawberry.mutation
    async def send_test_sms(
        self, info: Info[AdminContext, None], phone: str | None = None
    ) -> t.TestSmsResult:
        """Send a simulated SMS to a new test challenge."""
        admin = _ctx(info)
        return await send_test_sms(admin.app, admin.tenant, phone)


async def _decide(
    admin: AdminContext, order_id: str, reason: str, approve: bool
) -> t.OrderActionResult:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        return t.OrderActionResult(
            order=None, errors=_error("reason", f"Keep the reason under {MAX_REASON} characters.")
        )
    if not approve and not reason:
        return t.OrderActionResult(
            order=None, errors=_error("reason", "Say why the order is rejected.")
        )
    repo = OrderRepository(admin.app.store.client, admin.tenant.id)
    before = await repo.get(order_id)
    if before is None:
        message = "The app has no record of this order."
        return t.OrderActionResult(order=None, errors=_error("orderId", message))
    if before.state in FINAL_STATES:
        message = f"The order is already {before.state.value.lower()}: nothing to do."
        return t.OrderActionResult(
            order=await _order(admin, before), errors=_error("orderId", message)
        )
    action = approve_order if approve else reject_order
    staff = admin.staff.email or admin.staff.user_id
    record = await action(admin.app, admin.tenant, order_id, staff, reason)
    log.info(
        "order approved" if approve else "order rejected",
        extra={"tenant": admin.tenant.id, "order": order_id},
    )
    return t.OrderActionResult(order=await _order(admin, record) if record else None, errors=[])


class AdminSchema(strawberry.Schema):
    """The schema, logging bad queries and Saleor outages as warnings, not tracebacks."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """One log line per error; a traceback only for the unexpected ones."""
        unexpected = []
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, SaleorError):
                log.warning("admin api query error", extra={"reason": error.message[:200]})
            else:
                unexpected.append(error)
        if unexpected:
            super().process_errors(unexpected, execution_context)


def _shape_limits() -> list[Any]:
    """Depth, alias and token limits: one request's cost stays bounded."""
    rules = [
        *QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_QUERY_TOKENS),
        lambda: AddValidationRules(rules),
    ]


schema = AdminSchema(query=Query, mutation=Mutation, extensions=_shape_limits())
