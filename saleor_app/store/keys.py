"""Redis key names: every tenant key carries the tenant as a cluster hash tag."""

from __future__ import annotations

import hashlib

PREFIX = "rotp"


def tenant_id_for(saleor_api_url: str) -> str:
    """Stable short id of a tenant, derived from its Saleor API URL."""
    return hashlib.sha256(saleor_api_url.encode()).hexdigest()[:12]


def tenant_key(tenant_id: str, *parts: str) -> str:
    """A key owned by one tenant; `{t:<id>}` keeps all of them in one cluster slot."""
    return ":".join((PREFIX, "{t:" + tenant_id + "}", *parts))


def global_key(*parts: str) -> str:
    """A key shared by all tenants (single-key operations only)."""
    return ":".join((PREFIX, *parts))
