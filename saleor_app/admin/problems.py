"""What the merchant should fix: missing settings, channels that cannot hold, failed jobs."""

from __future__ import annotations

import logging

from saleor_app.admin.types import Problem
from saleor_app.context import AppContext
from saleor_app.jobs.dead_letter import DEAD_LETTER_LENGTH, dead_letters
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.saleor_jobs import (
    NO_VIRTUAL_NUMBER_PROBLEM,
    failed_job_problem,
    reported_problems_key,
)
from saleor_app.orders.channels import channel_statuses
from saleor_app.saleor.client import SaleorRefused, SaleorUnavailable
from saleor_app.store.redis import Commands
from saleor_app.store.tenant_settings import PROVIDERS, ChallengeMode
from saleor_app.store.tenants import Tenant
from saleor_app.storefront.cors import refused_origins

log = logging.getLogger(__name__)


async def problems(ctx: AppContext, tenant: Tenant) -> list[Problem]:
    """Every problem found now, the most serious first; those fixed since they were reported
    to Saleor are dismissed there."""
    await dismiss_fixed(ctx, tenant)
    settings = await ctx.tenant_settings.get(tenant.id)
    found: list[Problem] = []
    if not settings.virtual_number:
        found.append(
            Problem(
                code="NO_VIRTUAL_NUMBER",
                severity="error",
                message="No virtual number is set: shoppers have nowhere to send the code, "
                "so no order can be verified.",
                section="settings",
            )
        )
    if not any(settings.provider(name).enabled for name in PROVIDERS):
        found.append(
            Problem(
                code="NO_PROVIDER",
                severity="error",
                message="No SMS provider is enabled: inbound SMS are refused. Enable the "
                "provider that rents your virtual number and paste its inbound URL into its "
                "console.",
                section="settings",
            )
        )
    for origin in await refused_origins(ctx.store.client, tenant.id, settings.allowed_origins):
        found.append(
            Problem(
                code="STOREFRONT_ORIGIN_REFUSED",
                severity="warning",
                message=f"A storefront page at {origin} asked for a challenge, but {origin} is "
                "not in the allowed storefront origins, so the widget there cannot work: add "
                "it in Settings, or empty the list to allow any origin.",
                section="settings",
            )
        )
    found += await _channel_problems(ctx, tenant)
    failed = await dead_letters(ctx, tenant.id, limit=100)
    if failed:
        found.append(
            Problem(
                code="FAILED_JOBS",
                severity="warning",
                message=f"{len(failed)} background job(s) failed after every retry: see the "
                "list below.",
                section="problems",
            )
        )
    return found


async def _channel_problems(ctx: AppContext, tenant: Tenant) -> list[Problem]:
    settings = await ctx.tenant_settings.get(tenant.id)
    try:
        channels = await channel_statuses(ctx, tenant)
    except (SaleorUnavailable, SaleorRefused) as exc:
        log.warning("channels unavailable", extra={"tenant": tenant.id, "reason": str(exc)})
        return [
            Problem(
                code="SALEOR_UNREACHABLE",
                severity="warning",
                message="Saleor did not answer the channel check; try again later.",
                section="channels",
            )
        ]
    return [
        Problem(
            code="CHANNEL_CANNOT_HOLD",
            severity="error",
            message=f"Channel {channel.name} ({channel.slug}) confirms new orders "
            "automatically, so risky orders cannot be held there. Switch auto-confirm off in "
            "Channels.",
            section="channels",
        )
        for channel in channels
        if channel.auto_confirm and settings.mode_for_channel(channel.slug) is not ChallengeMode.OFF
    ]


async def dismiss_fixed(ctx: AppContext, tenant: Tenant) -> list[str]:
    """Queue the dismissal in Saleor of every problem reported there that is fixed now;
    returns their keys."""
    redis: Commands = ctx.store.client
    reported: set[str] = await redis.smembers(reported_problems_key(tenant.id))
    if not reported:
        return []
    settings = await ctx.tenant_settings.get(tenant.id)
    still_open = {failed_job_problem(str(entry["job"]))
                  for entry in await dead_letters(ctx, tenant.id, DEAD_LETTER_LENGTH)}
    if not settings.virtual_number:
        still_open.add(NO_VIRTUAL_NUMBER_PROBLEM)
    fixed = sorted(reported - still_open)
    if fixed:
        await enqueue(ctx.jobs, "dismiss_problems", key=f"dismiss:{tenant.id}:{','.join(fixed)}",
                      tenant_id=tenant.id, keys=fixed)
    return fixed
