"""Every Saleor mutation runs as a durable job: retried with backoff, buried when hopeless."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from saleor_app.context import AppContext
from saleor_app.jobs.dead_letter import bury
from saleor_app.jobs.queue import enqueue
from saleor_app.saleor.client import SaleorClient, SaleorRefused, SaleorUnavailable
from saleor_app.store.keys import tenant_key
from saleor_app.store.orders import FINAL_STATES, OrderRepository, OrderState
from saleor_app.store.redis import Commands

log = logging.getLogger(__name__)

ALREADY_DECIDED = "INVALID"
NO_VIRTUAL_NUMBER_PROBLEM = "no-virtual-number"
DISMISS_LIMIT = 100
"""Problem keys per appProblemDismiss call (Saleor refuses more)."""


def failed_job_problem(name: str) -> str:
    """The Saleor problem key of a job that failed for good."""
    return f"job-failed:{name}"


def reported_problems_key(tenant_id: str) -> str:
    """The set of problem keys reported to Saleor and not yet dismissed."""
    return tenant_key(tenant_id, "saleor-problems")


def confirm_key(tenant_id: str, order_id: str) -> str:
    """The dedupe key of an order's confirmation, whichever path queues it: saq drops a second
    one while the first is queued or running (and a later one finds the order settled)."""
    return f"confirm:{tenant_id}:{order_id}"


def cancel_key(tenant_id: str, order_id: str) -> str:
    """The dedupe key of an order's cancellation, whichever path queues it."""
    return f"cancel:{tenant_id}:{order_id}"


async def _run(
    ctx: dict[str, Any],
    name: str,
    tenant_id: str,
    work: Callable[[AppContext, SaleorClient], Awaitable[None]],
    **details: Any,
) -> None:
    """Run one Saleor call; raise to retry while Saleor is unavailable, bury when hopeless."""
    app: AppContext = ctx["app"]
    tenant = await app.tenants.get(tenant_id)
    if tenant is None:
        log.info("job dropped: tenant removed", extra={"job": name, "tenant": tenant_id})
        return
    job = ctx.get("job")
    last_attempt = job is None or job.attempts >= job.retries
    try:
        await work(app, app.saleor(tenant, failing=ctx.get("saleor_failing", False)))
    except SaleorUnavailable as exc:
        if not last_attempt:
            app.metrics.jobs.labels(name, "retry").inc()
            log.warning("saleor unavailable, will retry", extra={"job": name, "tenant": tenant_id})
            raise
        await _bury_and_report(app, tenant_id, name, str(exc), **details)
        return
    except SaleorRefused as exc:
        await _bury_and_report(app, tenant_id, name, str(exc), **details)
        return
    app.metrics.jobs.labels(name, "done").inc()


async def _bury_and_report(
    app: AppContext, tenant_id: str, name: str, error: str, **details: Any
) -> None:
    log.error("job failed for good", extra={"job": name, "tenant": tenant_id, **details})
    await bury(app, tenant_id, name, error, **details)
    order = details.get("order_id", "")
    await enqueue(
        app.jobs,
        "report_problem",
        key=f"problem:{tenant_id}:{name}:{order}",
        tenant_id=tenant_id,
        problem_key=failed_job_problem(name),
        message=f"Reverse OTP could not run {name} for order {order}: see the app's Problems page.",
    )


def _first_error(payload: dict[str, Any]) -> dict[str, Any] | None:
    errors = payload.get("errors") or []
    return errors[0] if errors else None


async def confirm_order(
    ctx: dict[str, Any], *, tenant_id: str, order_id: str, note: str = ""
) -> None:
    """orderConfirm exactly once: a job queued again after the order settled does nothing, and
    a retry first asks Saleor whether it already happened."""

    async def work(app: AppContext, saleor: SaleorClient) -> None:
        orders = OrderRepository(app.store.client, tenant_id)
        if await _already_settled(orders, order_id, "confirm_order"):
            return
        job = ctx.get("job")
        if job is not None and job.attempts > 1:
            status = (await saleor.query("order_status", {"id": order_id}))["order"]
            if status is not None and status["status"] != "UNCONFIRMED":
                await _settled(app, orders, tenant_id, order_id, status["status"], note)
                return
        result = (await saleor.execute("order_confirm", {"id": order_id}))["orderConfirm"]
        error = _first_error(result)
        if error is None:
            await _settled(app, orders, tenant_id, order_id, "UNFULFILLED", note)
            return
        if error.get("code") == ALREADY_DECIDED:
            status = (await saleor.query("order_status", {"id": order_id}))["order"]
            await _settled(app, orders, tenant_id, order_id, (status or {}).get("status", ""), note)
            return
        raise SaleorRefused(f"orderConfirm: {error.get('code')}: {error.get('message')}")

    await _run(ctx, "confirm_order", tenant_id, work, order_id=order_id)


async def _already_settled(orders: OrderRepository, order_id: str, job: str) -> bool:
    """True when the order's record is final, so a late duplicate job must not call Saleor."""
    record = await orders.get(order_id)
    if record is None or record.state not in FINAL_STATES:
        return False
    log.info("job skipped: order already settled",
             extra={"job": job, "tenant": orders.tenant_id, "order": order_id,
                    "state": record.state.value})
    return True


async def _settled(
    app: AppContext,
    orders: OrderRepository,
    tenant_id: str,
    order_id: str,
    status: str,
    note: str,
) -> None:
    if status == "CANCELED":
        await orders.set_state(order_id, OrderState.CANCELLED, "cancelled before confirmation")
        return
    await orders.set_state(order_id, OrderState.CONFIRMED, "confirmed in Saleor")
    if note:
        await add_note_later(app, tenant_id, order_id, note, "confirmed")


async def cancel_order(
    ctx: dict[str, Any], *, tenant_id: str, order_id: str, note: str = ""
) -> None:
    """orderCancel once; an order already cancelled counts as done."""

    async def work(app: AppContext, saleor: SaleorClient) -> None:
        orders = OrderRepository(app.store.client, tenant_id)
        if await _already_settled(orders, order_id, "cancel_order"):
            return
        job = ctx.get("job")
        if job is not None and job.attempts > 1:
            status = (await saleor.query("order_status", {"id": order_id}))["order"]
            if status is not None and status["status"] == "CANCELED":
                await orders.set_state(order_id, OrderState.CANCELLED, "cancelled in Saleor")
                return
        result = (await saleor.execute("order_cancel", {"id": order_id}))["orderCancel"]
        error = _first_error(result)
        if error is not None:
            raise SaleorRefused(f"orderCancel: {error.get('code')}: {error.get('message')}")
        await orders.set_state(order_id, OrderState.CANCELLED, "cancelled in Saleor")
        if note:
            await add_note_later(app, tenant_id, order_id, note, "cancelled")

    await _run(ctx, "cancel_order", tenant_id, work, order_id=order_id)


async def add_note_later(
    app: AppContext, tenant_id: str, order_id: str, message: str, kind: str
) -> None:
    """Queue an order note (one per order and kind)."""
    await enqueue(
        app.jobs,
        "add_order_note",
        key=f"note:{tenant_id}:{order_id}:{kind}",
        tenant_id=tenant_id,
        order_id=order_id,
        message=message,
    )


async def add_order_note(
    ctx: dict[str, Any], *, tenant_id: str, order_id: str, message: str
) -> None:
    """orderNoteAdd: what the merchant reads in Saleor's order history."""

    async def work(app: AppContext, saleor: SaleorClient) -> None:
        variables = {"id": order_id, "message": message}
        result = (await saleor.execute("order_note_add", variables))["orderNoteAdd"]
        error = _first_error(result)
        if error is not None:
            raise SaleorRefused(f"orderNoteAdd: {error.get('code')}: {error.get('message')}")

    await _run(ctx, "add_order_note", tenant_id, work, order_id=order_id)


async def write_private_metadata(
    ctx: dict[str, Any], *, tenant_id: str, object_id: str, items: dict[str, str]
) -> None:
    """updatePrivateMetadata on an order or checkout (idempotent by nature)."""

    async def work(app: AppContext, saleor: SaleorClient) -> None:
        variables = {"id": object_id, "input": [{"key": k, "value": v} for k, v in items.items()]}
        result = (await saleor.execute("private_metadata_update", variables))[
            "updatePrivateMetadata"
        ]
        error = _first_error(result)
        if error is not None:
            raise SaleorRefused(f"updatePrivateMetadata: {error.get('code')}")

    await _run(ctx, "write_private_metadata", tenant_id, work, object_id=object_id)


async def report_problem(
    ctx: dict[str, Any], *, tenant_id: str, problem_key: str, message: str
) -> None:
    """appProblemCreate: the merchant sees the problem in Saleor's dashboard (3.22+)."""

    async def work(app: AppContext, saleor: SaleorClient) -> None:
        variables = {"key": problem_key, "message": message[:2000]}
        result = (await saleor.execute("app_problem_create", variables))["appProblemCreate"]
        error = _first_error(result)
        if error is not None:
            raise SaleorRefused(f"appProblemCreate: {error.get('code')}")
        redis: Commands = app.store.client
        await redis.sadd(reported_problems_key(tenant_id), problem_key)

    await _best_effort(ctx, tenant_id, "problem not reported", work)


async def dismiss_problems(ctx: dict[str, Any], *, tenant_id: str, keys: list[str]) -> None:
    """appProblemDismiss by key: Saleor's dashboard stops warning about fixed problems."""

    async def work(app: AppContext, saleor: SaleorClient) -> None:
        for start in range(0, len(keys), DISMISS_LIMIT):
            batch = keys[start : start + DISMISS_LIMIT]
            result = (await saleor.execute("app_problem_dismiss", {"keys": batch}))[
                "appProblemDismiss"
            ]
            error = _first_error(result)
            if error is not None:
                raise SaleorRefused(f"appProblemDismiss: {error.get('code')}")
            redis: Commands = app.store.client
            await redis.srem(reported_problems_key(tenant_id), *batch)
        log.info("problems dismissed in Saleor", extra={"tenant": tenant_id, "keys": keys})

    await _best_effort(ctx, tenant_id, "problems not dismissed", work)


async def _best_effort(
    ctx: dict[str, Any],
    tenant_id: str,
    failure: str,
    work: Callable[[AppContext, SaleorClient], Awaitable[None]],
) -> None:
    """Run a problem report or dismissal: retried while Saleor is unavailable, logged (never
    buried, which would report a problem again) when Saleor refuses."""
    app: AppContext = ctx["app"]
    tenant = await app.tenants.get(tenant_id)
    if tenant is None:
        return
    try:
        await work(app, app.saleor(tenant, failing=ctx.get("saleor_failing", False)))
    except SaleorRefused as exc:
        log.warning(failure, extra={"tenant": tenant_id, "error": str(exc)})
