"""In-memory state of the stand-in: identities, apps, recorded calls, emitted events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Identity:
    """Who sent an API request, resolved from its Authorization header."""

    kind: str = "anonymous"  # anonymous | app | staff | invalid
    permissions: frozenset[str] = frozenset()
    app_id: str | None = None
    user_id: str | None = None
    email: str | None = None
    token_type: str | None = None  # app | access | thirdparty
    error: tuple[str, str] | None = None  # (message, code) when the JWT was rejected

    @property
    def label(self) -> str:
        """Short description, e.g. "app:QXBwOjE=" or "staff:admin@example.com"."""
        if self.kind == "app":
            return f"app:{self.app_id}"
        if self.kind == "staff":
            return f"staff:{self.email}"
        return self.kind

    def owns(self, source: Any) -> bool:
        """Saleor's OWNER rule for an app's own App/Webhook or a user's own User."""
        if not isinstance(source, dict):
            return False
        if self.app_id and source.get("id") == self.app_id:
            return True
        owner = source.get("app")
        if self.app_id and isinstance(owner, dict) and owner.get("id") == self.app_id:
            return True
        return bool(self.user_id and source.get("id") == self.user_id)

    def allows(self, perms: tuple[str, ...], source: Any = None) -> bool:
        """Whether one of the listed permissions (or pseudo-permissions) holds."""
        for perm in perms:
            if perm in self.permissions:
                return True
            if perm == "AUTHENTICATED_APP" and self.kind == "app":
                return True
            if perm in ("AUTHENTICATED_STAFF_USER", "AUTHENTICATED_USER") and self.kind == "staff":
                return True
            if perm == "OWNER" and self.owns(source):
                return True
        return False


ANONYMOUS = Identity()


@dataclass
class AppRecord:
    """An installed app: its GraphQL node, token, permissions and webhooks."""

    node: dict[str, Any]
    token: str
    permissions: list[str]
    manifest: dict[str, Any]
    removed: bool = False

    @property
    def id(self) -> str:
        """Global id (base64 "App:<n>")."""
        return str(self.node["id"])

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        """Webhook nodes of this app."""
        return list(self.node["webhooks"])

    @property
    def is_active(self) -> bool:
        """Active and not removed."""
        return bool(self.node["isActive"]) and not self.removed


@dataclass(frozen=True)
class RecordedCall:
    """One mutation (root field) received by the GraphQL API."""

    name: str
    args: dict[str, Any]
    variables: dict[str, Any]
    document: str
    identity: Identity
    operation_name: str | None = None


@dataclass(frozen=True)
class EmittedEvent:
    """A webhook event the shop would send after a mutation (deliver with deliver_emitted)."""

    event: str  # WebhookEventTypeAsyncEnum name, e.g. ORDER_CONFIRMED
    payload_key: str  # "order" / "checkout" / "app"
    obj: dict[str, Any]
    issuer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Delivery:
    """One webhook POST made by the stand-in."""

    url: str
    event: str
    body: bytes
    headers: dict[str, str]
    status: int | None
    error: str | None = None


@dataclass
class Faults:
    """Fault injection for the GraphQL endpoint."""

    fail_next: int = 0
    fail_status: int = 503
    down: bool = False
    latency: float = 0.0
    jwks_down: bool = False
    consumed: list[int] = field(default_factory=list)
    hang_on: tuple[bytes, ...] = ()
    hang_seconds: float = 0.0
    hanging: int = 0
    most_hanging: int = 0

    def hangs(self, body: bytes) -> bool:
        """Whether a request must hang: its document names one of `hang_on`."""
        return any(operation in body for operation in self.hang_on)

    def take(self) -> int | None:
        """Status to answer instead of running the request, if a fault applies."""
        if self.down:
            return 503
        if self.fail_next > 0:
            self.fail_next -= 1
            return self.fail_status
        return None
