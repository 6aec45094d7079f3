"""The Starlette app factory: routes, and the services opened for the app's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware

from saleor_app.admin.routes import admin_routes
from saleor_app.background import in_background
from saleor_app.config import Settings
from saleor_app.context import AppContext
from saleor_app.demo.routes import demo_routes
from saleor_app.demo.tenant import install_demo
from saleor_app.engine.routes import inbound_routes
from saleor_app.jobs.periodic import periodic_tasks
from saleor_app.jobs.queue import make_queues
from saleor_app.jobs.worker import build_workers
from saleor_app.observability import Metrics
from saleor_app.operations import operation_routes
from saleor_app.request_body import BodyTooSlow, body_too_slow
from saleor_app.request_context import RequestContextMiddleware
from saleor_app.saleor.client import tls_context
from saleor_app.saleor.outbound import AddressPolicy, checked_transport
from saleor_app.saleor.routes import saleor_routes
from saleor_app.site import only_this_machine, site_routes
from saleor_app.store.embedded import StoreStartError
from saleor_app.store.redis import RedisError, open_store, queue_node_url
from saleor_app.store.resealing import Resealer
from saleor_app.store.sealing import SecretBox
from saleor_app.store.secret_check import check_secret_key
from saleor_app.store.tenant_cache import TenantCache
from saleor_app.store.tenant_settings import TenantSettingsRepository
from saleor_app.store.tenants import Tenant, TenantRepository
from saleor_app.storefront.routes import storefront_routes
from saleor_app.storefront.services import storefront_services
from saleor_app.version import app_version

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def open_context(settings: Settings, metrics: Metrics) -> AsyncIterator[AppContext]:
    """Open the store, the HTTP client and the queue; close them in reverse order."""
    store = await open_store(settings.redis_url, settings.data_dir)
    box = SecretBox(settings.resolved_secret_key(), settings.secret_key_previous)
    try:
        await check_secret_key(store.client, box)
    except BaseException:
        await store.close()
        raise
    addresses = AddressPolicy.of(settings.saleor_private_networks)
    http = httpx.AsyncClient(
        timeout=settings.saleor_timeout_seconds,
        follow_redirects=False,
        transport=checked_transport(addresses, tls_context()),
    )
    own_http = httpx.AsyncClient(timeout=settings.saleor_timeout_seconds, follow_redirects=False)
    jobs = make_queues(store, settings.saleor_timeout_seconds)
    await jobs.connect()
    tenants = TenantRepository(store.client, box)
    tenant_settings = TenantSettingsRepository(store.client, box)
    ctx = AppContext(
        settings=settings,
        store=store,
        tenants=tenants,
        tenant_settings=tenant_settings,
        tenant_cache=TenantCache(store.client, tenants, tenant_settings),
        http=http,
        own_http=own_http,
        saleor_addresses=addresses,
        metrics=metrics,
        jobs=jobs,
    )
    resealing = Resealer(store.client, box).run() if box.has_previous else None
    try:
        async with in_background(*([resealing] if resealing else [])):
            yield ctx
    finally:
        await jobs.disconnect()
        await http.aclose()
        await own_http.aclose()
        await store.close()


@contextlib.asynccontextmanager
async def running_worker(ctx: AppContext) -> AsyncIterator[None]:
    """Run the background workers until the block ends, then let them finish their jobs."""
    workers = build_workers(ctx)
    tasks = [asyncio.create_task(worker.start()) for worker in workers]
    try:
        async with periodic_tasks(ctx):
            yield
    finally:
        await asyncio.gather(*(worker.stop() for worker in workers))
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


QUEUE_NODE_CHECK_SECONDS = 5.0
"""How often a process on a Redis Cluster checks that the job queue's slot has not moved."""


@contextlib.asynccontextmanager
async def watching_store(
    ctx: AppContext, on_lost: Callable[[str], None] | None
) -> AsyncIterator[None]:
    """While the block runs, watch the embedded store's process and, on a cluster, the node
    that owns the job queue; if the store ends or the queue moves, log it and call `on_lost`
    once with the reason (the process stops, and a restart follows the queue)."""
    watchers = []
    embedded = ctx.store.embedded
    if embedded is not None:

        async def watch_process() -> None:
            await asyncio.to_thread(embedded.wait_exit)
            log.error("the embedded store stopped under the app",
                      extra={"store": embedded.description})
            if on_lost is not None:
                on_lost("the embedded store stopped under the app; it was stopped too")

        watchers.append(watch_process())
    if ctx.store.is_cluster:

        async def watch_queue_node() -> None:
            while True:
                await asyncio.sleep(QUEUE_NODE_CHECK_SECONDS)
                try:
                    owner = await queue_node_url(ctx.store)
                except (RedisError, OSError):
                    continue
                if owner != ctx.store.queue_url:
                    node = urlsplit(owner).netloc.rsplit("@", 1)[-1]
                    log.error("the job queue's slot moved to another node", extra={"node": node})
                    if on_lost is not None:
                        on_lost(f"the job queue's slot moved to the cluster node {node}; "
                                "start the app again to follow it")
                    return

        watchers.append(watch_queue_node())
    async with in_background(*watchers):
        yield


def create_app(
    settings: Settings,
    *,
    with_worker: bool = True,
    announce: bool = False,
    demo: bool = False,
    on_demo: Callable[[Tenant], None] | None = None,
    on_failed_start: Callable[[str], None] | None = None,
    on_store_lost: Callable[[str], None] | None = None,
) -> Starlette:
    """The ASGI app; with_worker also runs background jobs in this process; `on_demo` is
    given the demo tenant once it is installed; `on_failed_start` the one-line reason the store
    could not be opened; `on_store_lost` is given the reason if the embedded store dies under the
    app or the job queue's cluster slot moves."""
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started = False
        try:
            async with open_context(settings, metrics) as ctx, storefront_services(app, ctx):
                started = True
                app.state.ctx = ctx
                log.info("store ready", extra={"store": ctx.store.description})
                demo_tenant = await install_demo(ctx) if demo else None
                if announce:
                    _announce(settings, ctx, demo)
                if demo_tenant is not None and on_demo is not None:
                    on_demo(demo_tenant)
                _settle_heap()
                async with watching_store(ctx, on_store_lost):
                    if with_worker:
                        async with running_worker(ctx):
                            yield
                    else:
                        yield
        except StoreStartError as exc:
            if not started and on_failed_start is not None:
                on_failed_start(str(exc))
            raise

    app = Starlette(
        # Matched in order: the provider and Saleor webhooks, the busiest paths, come first.
        routes=[*inbound_routes(), *saleor_routes(), *operation_routes(), *admin_routes()]
        + storefront_routes()
        + (demo_routes() if demo else [])
        + site_routes(),
        middleware=[Middleware(RequestContextMiddleware, metrics=metrics)],
        exception_handlers={BodyTooSlow: body_too_slow},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.demo = demo
    return app


GC_YOUNG_THRESHOLD = 20_000
"""Allocations between young-generation collections (CPython's default is 700): requests
allocate many short-lived objects, and fewer collections cost less CPU and tail latency."""


def _settle_heap() -> None:
    """Move everything built at start-up out of the collector's sight, collect less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def _announce(settings: Settings, ctx: AppContext, demo: bool) -> None:
    url = settings.app_url
    lines = [
        f"Reverse OTP for Saleor {app_version()} is listening on {url}",
        f"  manifest URL to paste into Saleor: {url}/api/manifest",
        f"  merchant dashboard: open it from Saleor (Extensions → Reverse OTP); about: {url}/",
        f"  store: {ctx.store.description}",
    ]
    if only_this_machine(url):
        lines.append("  note: this URL works on this machine only; a Saleor elsewhere cannot reach"
                     " it: set APP_URL to an address it can reach")
    if not settings.allowed_saleor_api_urls:
        lines.append("  any Saleor may install this app: set ALLOWED_SALEOR_API_URLS to limit it")
    if settings.saleor_private_networks:
        networks = ", ".join(settings.saleor_private_networks)
        lines.append(f"  Saleors on these private networks are called too: {networks}")
    else:
        lines.append("  only Saleors on public addresses are called (SALEOR_PRIVATE_NETWORKS)")
    if not demo:
        lines.append("  to try it without Saleor: saleor-reverse-otp serve --demo, then open /demo")
    print("\n".join(lines), flush=True)
