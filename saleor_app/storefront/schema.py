"""The public storefront schema: challenges by order, checkout or id; renewal; live updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from graphql import GraphQLError
from saleor_app.storefront.context import StorefrontContext, StorefrontError
from saleor_app.storefront.limits import (
    MAX_ALIASES,
    MAX_ID_CHARS,
    MAX_QUERY_DEPTH,
    MAX_QUERY_TOKENS,
    allow_subject,
)
from saleor_app.storefront.usecases import RenewalLimit, Shop
from saleor_app.storefront.views import FINAL, ChallengeView, ShopperStatus

log = logging.getLogger(__name__)

IDLE_RECHECK_SECONDS = 60.0
DOCUMENT_CACHE_SIZE = 256

Info = strawberry.Info[StorefrontContext, None]


@strawberry.enum(description="What the shopper did with the widget (for the shop's funnel).")
class ChallengeAction(Enum):
    SMS_LINK = strawberry.enum_value("SMS_LINK", description="Opened the `sms:` link.")
    WHATSAPP_LINK = strawberry.enum_value("WHATSAPP_LINK", description="Opened the wa.me link.")
    QR_SHOWN = strawberry.enum_value("QR_SHOWN", description="Was shown the SMS QR code.")
    CODE_COPIED = strawberry.enum_value("CODE_COPIED", description="Copied the code.")


@strawberry.enum(description="Where the shopper stands.")
class ChallengeStatus(Enum):
    NOT_REQUIRED = strawberry.enum_value(
        "NOT_REQUIRED", description="The order needs no SMS: show the usual confirmation."
    )
    PENDING = strawberry.enum_value("PENDING", description="Waiting for the shopper's SMS.")
    VERIFIED = strawberry.enum_value("VERIFIED", description="The SMS arrived from the phone.")
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="The code is no longer valid; `renewChallenge` gives a new one."
    )
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Too many wrong codes, or the shop refused the order."
    )


@strawberry.type(description="A request to the shopper to send one SMS from their phone.")
class Challenge:
    id: strawberry.ID | None = strawberry.field(
        description="Challenge id (null when NOT_REQUIRED)."
    )
    status: ChallengeStatus
    code: str | None = strawberry.field(description="The code to send; only while PENDING.")
    sms_number: str | None = strawberry.field(description="The number to text, E.164.")
    sms_body: str | None = strawberry.field(description="The SMS text; only while PENDING.")
    expires_at: datetime | None = strawberry.field(description="When the code stops working.")
    phone_hint: str | None = strawberry.field(
        description="The phone expected to send, masked to its last two digits."
    )
    order_id: strawberry.ID | None
    checkout_id: strawberry.ID | None
    view: strawberry.Private[ChallengeView]

    sms_uri: str | None = strawberry.field(
        resolver=lambda self: self.view.sms_uri,
        description="`sms:` link that opens the SMS app prefilled; while PENDING.",
    )
    qr_code_svg: str | None = strawberry.field(
        resolver=lambda self: self.view.qr_code_svg,
        description="SVG QR code with payload `SMSTO:+<E164>:<body>`; while PENDING.",
    )
    whatsapp_uri: str | None = strawberry.field(
        resolver=lambda self: self.view.whatsapp_uri,
        description="`https://wa.me/<number>?text=<smsBody>`: WhatsApp opens prefilled, on a "
        "phone or in WhatsApp Web or Desktop; while PENDING, null when the shop has no "
        "WhatsApp number.",
    )
    whatsapp_qr_code_svg: str | None = strawberry.field(
        resolver=lambda self: self.view.whatsapp_qr_code_svg,
        description="SVG QR code whose payload is `whatsappUri`; while PENDING.",
    )


def to_challenge(view: ChallengeView | None) -> Challenge | None:
    """The GraphQL object of a shopper's view."""
    if view is None:
        return None
    expires = datetime.fromtimestamp(view.expires_at, UTC) if view.expires_at else None
    return Challenge(
        id=strawberry.ID(view.id) if view.id else None,
        status=ChallengeStatus(view.status.value),
        code=view.code,
        sms_number=view.sms_number,
        sms_body=view.sms_body,
        expires_at=expires,
        phone_hint=view.phone_hint,
        order_id=strawberry.ID(view.order_id) if view.order_id else None,
        checkout_id=strawberry.ID(view.checkout_id) if view.checkout_id else None,
        view=view,
    )


async def _checked_shop(info: Info, kind: str, subject: str) -> Shop | None:
    """The tenant, after counting this look-up; None for ids that cannot exist."""
    context = info.context
    shop = context.shop
    if not await allow_subject(
        context.app.store.client, context.limits, shop.tenant_id, kind, subject
    ):
        raise StorefrontError("RATE_LIMITED", "too many requests for this id; retry in a minute")
    return shop if 0 < len(subject) <= MAX_ID_CHARS else None


async def _look_up(
    info: Info, kind: str, subject: str, find: Callable[[Shop], Awaitable[ChallengeView | None]]
) -> Challenge | None:
    shop = await _checked_shop(info, kind, subject)
    return to_challenge(await find(shop)) if shop else None


async def order_challenge(info: Info, order_id: strawberry.ID) -> Challenge | None:
    return await _look_up(info, "order", order_id, lambda shop: shop.by_order(order_id))


async def checkout_challenge(info: Info, checkout_id: strawberry.ID) -> Challenge | None:
    return await _look_up(info, "checkout", checkout_id, lambda shop: shop.by_checkout(checkout_id))


async def challenge(info: Info, id: strawberry.ID) -> Challenge | None:
    return await _look_up(info, "challenge", id, lambda shop: shop.by_id(id))


async def renew_challenge(info: Info, id: strawberry.ID) -> Challenge | None:
    shop = await _checked_shop(info, "challenge", id)
    if shop is None:
        return None
    try:
        return to_challenge(await shop.renew(id))
    except RenewalLimit:
        raise StorefrontError(
            "RENEWAL_LIMIT", "no more new codes for this challenge; contact the shop"
        ) from None


async def challenge_opened(info: Info, id: strawberry.ID, action: ChallengeAction) -> bool:
    shop = await _checked_shop(info, "challenge", id)
    if shop is None:
        return False
    return await shop.opened(str(id), str(action.value))


async def challenge_updated(
    info: Info, id: strawberry.ID
) -> AsyncGenerator[Challenge | None, None]:
    shop = await _checked_shop(info, "challenge", id)
    if shop is None:
        yield None
        return
    channel = shop.app.challenges(shop.tenant_id).events_channel(id)
    async with info.context.hub.listen(channel) as changed:
        last = await shop.by_id(id)
        yield to_challenge(last)
        while last is not None and last.status not in FINAL:
            await _wait(changed, _recheck_in(last))
            changed.clear()
            current = await shop.by_id(id)
            if current != last:
                yield to_challenge(current)
            last = current


@strawberry.type
class Query:
    order_challenge: Challenge | None = strawberry.field(
        resolver=order_challenge,
        description="The challenge of an order; null when there is none to show.",
    )
    checkout_challenge: Challenge | None = strawberry.field(
        resolver=checkout_challenge,
        description="The latest challenge of a checkout; null when none.",
    )
    challenge: Challenge | None = strawberry.field(
        resolver=challenge, description="A challenge by id; null when unknown."
    )


@strawberry.type
class Mutation:
    renew_challenge: Challenge | None = strawberry.mutation(
        resolver=renew_challenge,
        description="A new code and expiry for a PENDING or EXPIRED challenge; the old code "
        "stops working. Final challenges come back unchanged; error RENEWAL_LIMIT when the "
        "shop's renewal limit is reached.",
    )
    challenge_opened: bool = strawberry.mutation(
        resolver=challenge_opened,
        description="Tell the shop's funnel what the shopper did; counted once per challenge "
        "and action (true the first time), limited like every look-up.",
    )


@strawberry.type
class Subscription:
    challenge_updated: AsyncGenerator[Challenge | None, None] = strawberry.subscription(
        resolver=challenge_updated,
        description="The challenge now, then after every change; ends once it is final "
        "(VERIFIED, REJECTED) or unknown (null).",
    )


def _recheck_in(view: ChallengeView) -> float:
    """Seconds until a PENDING code expires by itself (no event tells that), else idle."""
    if view.status is ShopperStatus.PENDING and view.expires_at is not None:
        return min(max(view.expires_at - time.time(), 0.0) + 0.05, IDLE_RECHECK_SECONDS)
    return IDLE_RECHECK_SECONDS


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


def _masked(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class StorefrontSchema(strawberry.Schema):
    """Logs refusals as warnings and unexpected failures with their traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if _masked(error):
                log.error("storefront resolver failed", exc_info=error.original_error)
            else:
                code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION")
                log.warning("storefront request refused", extra={"code": code})


def _shape_rules() -> list[Any]:
    """Depth and alias rules, built once so that validation results can be cached."""
    depth = QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH)
    aliases = MaxAliasesLimiter(max_alias_count=MAX_ALIASES)
    return [*depth.validation_rules, *aliases.validation_rules]


def build_schema() -> strawberry.Schema:
    """The public schema with its query-shape limits and document caches."""
    rules = _shape_rules()
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_QUERY_TOKENS),
        lambda: AddValidationRules(rules),
        lambda: MaskErrors(should_mask_error=_masked, error_message="internal error"),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
    ]
    return StorefrontSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


schema = build_schema()
