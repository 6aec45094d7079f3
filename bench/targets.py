"""ASGI factories served by `uvicorn --factory` in the server subprocesses.

Every target runs under the same uvicorn command line (see bench.servers); only the factory
differs. Settings come from the environment, as in production.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

if TYPE_CHECKING:
    from saleor_app.context import AppContext

BASELINE_KEY = "bench:baseline"


def app() -> Starlette:
    """The real app, logging like `saleor-reverse-otp serve`; BENCH_WITH_WORKER=1 adds the
    background worker to the process (as `serve` does)."""
    from saleor_app.app import create_app
    from saleor_app.config import load_settings
    from saleor_app.observability import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings, with_worker=os.environ.get("BENCH_WITH_WORKER") == "1")


def baseline_ok() -> Starlette:
    """A bare Starlette endpoint: read the body, answer 200 (any POST path)."""

    async def ok(request: Request) -> Response:
        await request.body()
        return Response(b"ok", media_type="text/plain")

    return Starlette(routes=[Route("/{path:path}", ok, methods=["GET", "POST"])])


def baseline_redis_get() -> Starlette:
    """A bare Starlette endpoint: read the body, one Redis GET, answer 200 (any path)."""
    client = aioredis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)

    async def get(request: Request) -> Response:
        await request.body()
        value = await client.get(BASELINE_KEY)
        return Response(value or "", media_type="text/plain")

    return Starlette(routes=[Route("/{path:path}", get, methods=["GET", "POST"])])



def sms_steps_only() -> Starlette:
    """The steps every Twilio SMS needs (signature, form, sender, code, one store
    script, one log line), with the app's own functions, in a bare endpoint like the baselines."""
    from saleor_app.engine.inbound import receive_sms
    from saleor_app.sms import ADAPTERS, InboundRequest

    twilio = ADAPTERS["twilio"]

    async def sms(ctx: AppContext, request: Request, body: bytes) -> Response:
        view = await ctx.tenant_cache.by_inbound_key(request.path_params["key"])
        assert view is not None
        inbound = InboundRequest(
            method="POST", public_url=ctx.settings.app_url + request.scope["path"],
            headers=request.headers, body=body,
            content_type=request.headers.get("content-type", ""))
        await receive_sms(ctx, view, twilio.parse(inbound, view.provider_secrets, 0.0))
        return Response(twilio.acknowledgement.body, media_type="text/xml")

    return _bare_app("/api/sms/twilio/{key}", sms)


def order_created_steps_only() -> Starlette:
    """The steps every ORDER_CREATED needs (tenant, signature, recipient, decision with
    its two store scripts, one log line), with the app's own functions, in a bare endpoint."""
    from saleor_app.saleor.webhooks import WEBHOOKS

    (webhook,) = (hook for hook in WEBHOOKS if hook.event == "ORDER_CREATED")

    async def order_created(ctx: AppContext, request: Request, body: bytes) -> Response:
        verified = await ctx.verifier.verify(request.headers, body, webhook.event)
        await webhook.handler(verified, ctx)
        return Response(b'{"ok":true}', media_type="application/json")

    return _bare_app(webhook.path, order_created)


def order_created_floor() -> Starlette:
    """The least any ORDER_CREATED decision can cost: the tenant, Saleor's RS256 check, the JSON
    payload and two store round trips (where the app gathers facts and writes the decision),
    with nothing decided in between."""
    from saleor_app.saleor.signature import verify_webhook_signature
    from saleor_app.store.batching import batched

    scripts: dict[str, Any] = {}

    async def floor(ctx: AppContext, request: Request, body: bytes) -> Response:
        if not scripts:
            client = ctx.store.client
            scripts["gather"] = batched(client, client.register_script(
                "return redis.call('GET', KEYS[1])"))
            scripts["write"] = batched(client, client.register_script(
                "redis.call('SET', KEYS[1], ARGV[1], 'EX', 60) return 1"))
        view = await ctx.tenant_cache.by_api_url(request.headers["saleor-api-url"])
        assert view is not None
        verify_webhook_signature(request.headers["saleor-signature"], body, view.tenant.jwks)
        key = "bench:floor:" + json.loads(body)["order"]["id"]
        await scripts["gather"](keys=[key], args=[])
        await scripts["write"](keys=[key], args=["decided"])
        return Response(b'{"ok":true}', media_type="application/json")

    return _bare_app("/api/webhooks/order-created", floor)


def _bare_app(
    path: str, handle: Callable[[AppContext, Request, bytes], Awaitable[Response]]
) -> Starlette:
    """A bare Starlette app serving `handle` on the app's services, like the baselines: no
    middleware, metrics, body limits or error handling."""
    from saleor_app.app import open_context
    from saleor_app.config import load_settings
    from saleor_app.observability import Metrics, configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    opened: list[AppContext] = []

    async def endpoint(request: Request) -> Response:
        return await handle(opened[0], request, await request.body())

    async def ready(request: Request) -> Response:
        return Response(b"ok", media_type="text/plain")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_context(settings, Metrics()) as ctx:
            opened.append(ctx)
            yield

    return Starlette(routes=[Route(path, endpoint, methods=["POST"]), Route("/", ready)],
                     lifespan=lifespan)


PEER_CODE_PREFIX = "peer:code:"


def fastapi_twilio_peer() -> Any:
    """What a developer would otherwise write: a FastAPI handler with Twilio's SDK
    (`RequestValidator`), libphonenumber and one Redis GET and SET: check the signature, read
    the form, normalise the sender, find the code, compare the phone, mark it verified, log one
    line, answer empty TwiML."""
    import logging
    import re

    import phonenumbers
    from fastapi import FastAPI, Request
    from fastapi.responses import PlainTextResponse
    from twilio.request_validator import RequestValidator

    from bench.rig import TWILIO_TOKEN

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log = logging.getLogger("peer")
    client = aioredis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    validator = RequestValidator(TWILIO_TOKEN)
    code_pattern = re.compile(r"\b[0-9A-Z]{8}\b")
    public_url = os.environ["APP_URL"]
    peer = FastAPI()

    async def ready() -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def twilio_sms(key: str, request: Request) -> PlainTextResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        url = public_url + request.url.path
        if not validator.validate(url, form, request.headers.get("x-twilio-signature", "")):
            return PlainTextResponse("forbidden", status_code=403)
        sender = phonenumbers.format_number(phonenumbers.parse(form["From"], "FR"),
                                            phonenumbers.PhoneNumberFormat.E164)
        found = code_pattern.search(form.get("Body", "").upper())
        if found:
            expected = await client.get(PEER_CODE_PREFIX + found.group(0))
            if expected == sender:
                await client.set(PEER_CODE_PREFIX + found.group(0), "VERIFIED")
                log.info("sms verified from %s", sender[:-2] + "**")
        return PlainTextResponse("<Response/>", media_type="text/xml")

    # This module postpones annotations; FastAPI reads them to inject the request.
    twilio_sms.__annotations__ = {"key": str, "request": Request, "return": PlainTextResponse}
    ready.__annotations__ = {"return": PlainTextResponse}
    peer.get("/")(ready)
    peer.post("/api/sms/twilio/{key}")(twilio_sms)
    return peer
