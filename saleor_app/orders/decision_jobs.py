"""The Saleor jobs a decision queues through the outbox: metadata, confirmation or note."""

from __future__ import annotations

from datetime import UTC, datetime

from saleor_app.core.model import Challenge
from saleor_app.jobs.outbox import job_request
from saleor_app.jobs.saleor_jobs import confirm_key
from saleor_app.orders.verdict import verdict_job
from saleor_app.store.orders import Decision, OrderRecord


def decision_jobs(tenant_id: str, record: OrderRecord, challenge: Challenge | None) -> list[str]:
    """Metadata always; orderConfirm for ALLOW, else the hold note."""
    order_id = record.order_id
    metadata = verdict_job(tenant_id, order_id, "decided")
    if record.decision is Decision.ALLOW:
        follow = job_request(
            "confirm_order", confirm_key(tenant_id, order_id), tenant_id=tenant_id,
            order_id=order_id,
        )
    else:
        follow = job_request(
            "add_order_note", f"note:{tenant_id}:{order_id}:held", tenant_id=tenant_id,
            order_id=order_id, message=hold_note(record, challenge),
        )
    return [metadata, follow]


def problem_job(tenant_id: str, key: str, message: str) -> str:
    """A problem the merchant must fix, reported to Saleor's dashboard."""
    return job_request(
        "report_problem", f"problem:{tenant_id}:{key}", tenant_id=tenant_id, problem_key=key,
        message=message,
    )


def hold_note(record: OrderRecord, challenge: Challenge | None) -> str:
    """The order note of a held order."""
    reasons = "; ".join(str(r["explanation"]) for r in record.reasons) or "no rule fired"
    head = f"Reverse OTP held this order (risk score {record.score:g}): {reasons}."
    if challenge is None:
        return head + " Decision: REVIEW. Approve or reject it in the Reverse OTP app."
    when = datetime.fromtimestamp(challenge.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{head} The shopper was asked to send the code by SMS from "
        f"{record.phone_hint or 'their phone'} before {when}."
    )
