"""Where store scripts queue job requests: one outbox list per tenant, one wake-up channel."""

from __future__ import annotations

from saleor_app.store.keys import global_key, tenant_key

OUTBOX_CHANNEL = global_key("outbox")


def outbox_key(tenant_id: str) -> str:
    """The list of job requests a tenant's scripts queued."""
    return tenant_key(tenant_id, "outbox")


def taken_key(tenant_id: str) -> str:
    """Requests a relay took and is enqueueing."""
    return tenant_key(tenant_id, "outbox-taken")
