"""Order records and challenges as the merchant API shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import strawberry

from saleor_app.admin.types import ChallengeView, Order, OrderEvent, Reason, StaffDecision
from saleor_app.core.model import Challenge
from saleor_app.core.phones import mask_phone
from saleor_app.store.orders import OrderRecord


def when(timestamp: float) -> datetime:
    """A Unix time as an aware datetime."""
    return datetime.fromtimestamp(timestamp, UTC)


def dashboard_path(order_id: str) -> str:
    """The order's path inside the Saleor dashboard (for App Bridge `redirect`)."""
    return f"/orders/{quote(order_id, safe='')}"


def dashboard_url(saleor_api_url: str, order_id: str) -> str:
    """The order in Saleor's dashboard, served at `<origin>/dashboard/` by default."""
    parts = urlsplit(saleor_api_url)
    return f"{parts.scheme}://{parts.netloc}/dashboard{dashboard_path(order_id)}"


def order_view(record: OrderRecord, challenge: Challenge | None, saleor_api_url: str) -> Order:
    """An order record with its challenge's status."""
    return Order(
        id=strawberry.ID(record.order_id),
        number=record.number,
        channel=record.channel,
        decision=record.decision.value,
        score=record.score,
        reasons=[
            Reason(
                rule=str(r.get("rule", "")),
                weight=float(r.get("weight", 0)),
                explanation=str(r.get("explanation", "")),
            )
            for r in record.reasons
        ],
        state=record.state.value,
        decided_at=when(record.decided_at),
        total=record.total,
        phone_hint=record.phone_hint,
        challenge_id=record.challenge_id,
        challenge_status=challenge.status.value if challenge else None,
        staff_decision=_staff_decision(record.staff),
        dashboard_path=dashboard_path(record.order_id),
        dashboard_url=dashboard_url(saleor_api_url, record.order_id),
        history=[
            OrderEvent(at=when(float(h["at"])), state=str(h["state"]), event=str(h["event"]))
            for h in record.history
        ],
    )


def _staff_decision(staff: dict[str, Any] | None) -> StaffDecision | None:
    if not staff:
        return None
    return StaffDecision(
        action=str(staff["action"]),
        by=str(staff["by"]),
        reason=str(staff.get("reason", "")),
        at=when(float(staff["at"])),
    )


def challenge_view(challenge: Challenge) -> ChallengeView:
    """A challenge without its code; the phone masked."""
    return ChallengeView(
        id=challenge.id,
        status=challenge.status.value,
        order_id=challenge.order_id,
        checkout_id=challenge.checkout_id,
        phone_hint=mask_phone(challenge.expected_phone) if challenge.expected_phone else None,
        created_at=when(challenge.created_at),
        expires_at=when(challenge.expires_at),
        verified_at=when(challenge.verified_at) if challenge.verified_at else None,
        attempts=challenge.attempts,
        renewals=challenge.renewals,
        suspicious=challenge.suspicious,
        sender_line_type=challenge.sender_line_type,
        verified_channel=challenge.verified_channel,
    )
