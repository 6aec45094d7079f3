"""The world the benchmarks run in: a store, the Saleor stand-in (a thread of the bench
process) and the app installed into it, exactly as the tests set them up."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bench.servers import ServerProcess, Store
from saleor_app.store.challenges import ChallengeStore
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenant_settings import TenantSettings, TenantSettingsRepository
from saleor_app.store.tenants import Tenant, TenantRepository
from tests.standin import SaleorStandIn

SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"  # noqa: S105 (bench-only)
VIRTUAL_NUMBER = "+33757000001"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"  # noqa: S105 (bench-only)
WHATSAPP_SECRET = "meta-app-secret-0123456789abcdef"  # noqa: S105 (bench-only)
WHATSAPP_NUMBER = "+33757000099"


class ConfirmClock:
    """Wraps the stand-in's GraphQL handler to note when each orderConfirm request arrives
    (perf_counter of the bench process: the stand-in is one of its threads)."""

    def __init__(self, saleor: SaleorStandIn) -> None:
        self.arrivals: dict[str, float] = {}
        self._lock = threading.Lock()
        handle: Callable[[dict[str, str], bytes], Any] = saleor.handle_graphql

        def timed(headers: dict[str, str], body: bytes) -> Any:
            arrived = time.perf_counter()
            try:
                document = json.loads(body or b"null")
            except ValueError:
                document = None
            if isinstance(document, dict) and "orderConfirm" in str(document.get("query")):
                order_id = (document.get("variables") or {}).get("id")
                with self._lock:
                    self.arrivals.setdefault(str(order_id), arrived)
            return handle(headers, body)

        saleor.handle_graphql = timed  # type: ignore[method-assign]


class Rig:
    """Store + stand-in + tenant; app processes are started per phase."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.store = Store(work_dir / "store")
        self.saleor = SaleorStandIn()
        self.clock = ConfirmClock(self.saleor)
        self.redis: aioredis.Redis | None = None
        self.tenant: Tenant | None = None
        self.app_id = ""

    def start(self) -> Rig:
        self.store.start()
        self.saleor.start()
        self.redis = aioredis.Redis.from_url(self.store.url, decode_responses=True)
        return self

    async def stop(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        self.saleor.stop()
        self.store.stop()

    def server(self, target: str, with_worker: bool = False) -> ServerProcess:
        """A server process on this store (not started)."""
        env = {
            "REDIS_URL": self.store.url,
            "DATA_DIR": str(self.work_dir / "data"),
            "SECRET_KEY": SECRET_KEY,
            "BENCH_WITH_WORKER": "1" if with_worker else "0",
            "LOG_LEVEL": "INFO",
            "SALEOR_PRIVATE_NETWORKS": "127.0.0.0/8",
        }
        ready = "/healthz" if target == "app" else "/"
        return ServerProcess(target, env, self.work_dir, ready_path=ready)

    async def install(self, app: ServerProcess) -> None:
        """Install the app into the stand-in over HTTP and configure the tenant."""
        installed = await self.saleor.install(f"{app.url}/api/manifest")
        self.app_id = installed.app_id
        assert self.redis is not None
        box = SecretBox(SECRET_KEY)
        tenant = await TenantRepository(self.redis, box).get_by_api_url(self.saleor.api_url)
        assert tenant is not None, "install did not store the tenant"
        self.tenant = tenant
        repo = TenantSettingsRepository(self.redis, box)
        current = (await repo.get(tenant.id)).model_dump()
        settings = TenantSettings.model_validate({
            **current,
            "virtual_number": VIRTUAL_NUMBER,
            "ttl_seconds": 1800,
            "whatsapp_number": WHATSAPP_NUMBER,
            "providers": {"twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN},
                          "whatsapp": {"enabled": True, "whatsapp_app_secret": WHATSAPP_SECRET},
                          "generic": {"enabled": True}},
        })
        await repo.save(tenant.id, settings)
        self.settings = settings

    def challenges(self) -> ChallengeStore:
        assert self.redis is not None and self.tenant is not None
        return ChallengeStore(self.redis, self.tenant.id)

    def inbound_path(self, provider: str = "twilio") -> str:
        assert self.tenant is not None
        return f"/api/sms/{provider}/{self.tenant.inbound_key}"

    def subscription(self, name: str) -> str:
        """The subscription query the app declared for a webhook (as installed)."""
        record = self.saleor.apps[self.app_id]
        return next(str(h["subscriptionQuery"]) for h in record.webhooks if h["name"] == name)
