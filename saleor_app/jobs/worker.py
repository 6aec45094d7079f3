"""The background worker: runs queued jobs with the app's services."""

from __future__ import annotations

from typing import Any

from saq import Worker
from saq.types import PartialTimersDict

from saleor_app.context import AppContext
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


def build_worker(app: AppContext, concurrency: int = 20) -> Worker[Any]:
    """A saq worker whose jobs find the AppContext under ctx["app"]; the host process owns
    the signals."""

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["app"] = app

    worker: Worker[Any] = Worker(
        app.queue,
        functions=FUNCTIONS,
        concurrency=concurrency,
        startup=startup,
        timers=PartialTimersDict(sweep=5, schedule=1, worker_info=10, abort=1),
        dequeue_timeout=1.0,
    )
    worker.SIGNALS = []
    return worker
