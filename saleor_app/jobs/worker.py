"""The background workers, one per lane: they run queued jobs with the app's services."""

from __future__ import annotations

import logging
from typing import Any

from saq import Worker
from saq.types import PartialTimersDict

from saleor_app.context import AppContext
from saleor_app.jobs.fair_share import CONCURRENCY, SHARE, TenantBusy, TenantShares, fairly
from saleor_app.jobs.queue import LANE_FUNCTIONS, Lane
from saleor_app.jobs.saleor_jobs import (
    add_order_note,
    cancel_order,
    confirm_order,
    dismiss_problems,
    report_problem,
    write_private_metadata,
)
from saleor_app.jobs.webhook_activation import activate_webhooks
from saleor_app.orders.outcome import apply_challenge_outcome
from saleor_app.orders.verdict import write_order_verdict
from saleor_app.saleor.client import SaleorUnavailable

FUNCTIONS: list[Any] = [
    activate_webhooks,
    apply_challenge_outcome,
    confirm_order,
    cancel_order,
    add_order_note,
    write_private_metadata,
    write_order_verdict,
    report_problem,
    dismiss_problems,
]

EXPECTED_RETRIES = (SaleorUnavailable, TenantBusy)


class ExpectedRetryFilter(logging.Filter):
    """Drop saq's traceback for a job that asked to be retried; the job logged why itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, EXPECTED_RETRIES)


def lane_functions(lane: Lane) -> list[Any]:
    """The jobs a lane runs: a dedicated lane only its own (the background and degraded lanes
    run any job; jobs queued before the lanes existed are in the background queue)."""
    if lane in LANE_FUNCTIONS:
        return [function for function in FUNCTIONS if function.__name__ in LANE_FUNCTIONS[lane]]
    return FUNCTIONS


def build_worker(app: AppContext, lane: Lane) -> Worker[Any]:
    """A saq worker for one lane; jobs find the AppContext under ctx["app"] and run within
    their tenant's share. The host process owns the signals."""
    shares = TenantShares(SHARE[lane])

    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update(app=app, lane=lane, shares=shares)

    worker: Worker[Any] = Worker(
        app.jobs.lane(lane),
        functions=[fairly(function) for function in lane_functions(lane)],
        concurrency=CONCURRENCY[lane],
        startup=startup,
        timers=PartialTimersDict(sweep=5, schedule=1, worker_info=10, abort=1),
        dequeue_timeout=1.0,
    )
    worker.SIGNALS = []
    return worker


def build_workers(app: AppContext) -> list[Worker[Any]]:
    """One worker per lane."""
    saq_log = logging.getLogger("saq")
    if not any(isinstance(f, ExpectedRetryFilter) for f in saq_log.filters):
        saq_log.addFilter(ExpectedRetryFilter())
    return [build_worker(app, lane) for lane in Lane]
