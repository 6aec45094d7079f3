"""What follows a challenge's status change: live subscribers, then the order's fate."""

from __future__ import annotations

import logging

from saleor_app.context import AppContext
from saleor_app.jobs.queue import enqueue
from saleor_app.store.challenges import ChallengeStore

log = logging.getLogger(__name__)


async def challenge_changed(
    ctx: AppContext, store: ChallengeStore, challenge_id: str, status: str
) -> None:
    """Publish the new status and queue the durable follow-up (release, hold or cancel)."""
    await store.publish(challenge_id, status)
    await enqueue(
        ctx.jobs,
        "apply_challenge_outcome",
        key=f"outcome:{store.tenant_id}:{challenge_id}:{status}",
        tenant_id=store.tenant_id,
        challenge_id=challenge_id,
    )
    log.info(
        "challenge changed",
        extra={"tenant": store.tenant_id, "challenge": challenge_id, "status": status},
    )
