"""The Test section: a test challenge, answered by a signed `generic` SMS over real HTTP."""

from __future__ import annotations

import json
import logging
import secrets
import time

import httpx

from saleor_app.admin.settings_api import inbound_url
from saleor_app.admin.types import TestSmsResult
from saleor_app.context import AppContext
from saleor_app.core.codes import sms_body
from saleor_app.core.phones import normalize_phone
from saleor_app.engine.challenges import CodeSpaceExhausted, open_for
from saleor_app.sms.generic import SIGNATURE_HEADER, sign_generic
from saleor_app.store.challenges import RETENTION_SECONDS
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands
from saleor_app.store.tenants import Tenant, TenantGone

log = logging.getLogger(__name__)

DEFAULT_TEST_PHONE = "+447700900123"


def test_challenges_key(tenant_id: str) -> str:
    """The set of test challenge ids, left out of the overview's figures."""
    return tenant_key(tenant_id, "admin", "test-challenges")


async def remember_test_challenge(ctx: AppContext, tenant_id: str, challenge_id: str) -> None:
    """Mark a challenge as a test (kept as long as challenges are)."""
    key = test_challenges_key(tenant_id)
    redis: Commands = ctx.store.client
    await redis.sadd(key, challenge_id)
    await redis.expire(key, RETENTION_SECONDS)


def _refused(message: str) -> TestSmsResult:
    return TestSmsResult(
        ok=False,
        message=message,
        challenge_id=None,
        challenge_status=None,
        http_status=None,
        sms_from=None,
        sms_to=None,
        sms_text=None,
    )


async def send_test_sms(ctx: AppContext, tenant: Tenant, phone: str | None) -> TestSmsResult:
    """Open a test challenge and send it the SMS a shopper would, through /api/sms/generic."""
    settings = await ctx.tenant_settings.get(tenant.id)
    if not settings.virtual_number:
        return _refused("Set the virtual number in Settings first: the test SMS is sent to it.")
    if not settings.provider("generic").enabled:
        return _refused(
            "The test sends a simulated SMS through the generic provider, which is disabled. "
            "Enable “generic” in Settings → Providers to run it."
        )
    sender = normalize_phone(phone or DEFAULT_TEST_PHONE, None)
    if sender is None:
        return _refused("The sender must be a phone number in international format.")
    store = ctx.challenges(tenant.id)
    try:
        challenge = await open_for(store, settings, expected_phone=sender)
    except CodeSpaceExhausted:
        return _refused("No free code could be drawn; try again.")
    except TenantGone:
        return _refused("The app is being uninstalled from this shop.")
    await remember_test_challenge(ctx, tenant.id, challenge.id)
    text = sms_body(challenge.code, settings.keyword)
    body = json.dumps(
        {
            "from": sender,
            "to": settings.virtual_number,
            "text": text,
            "id": f"test-{secrets.token_hex(8)}",
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign_generic(tenant.inbound_secret, body, int(time.time())),
    }
    url = inbound_url(ctx.settings.app_url, tenant, "generic")
    try:
        response = await ctx.own_http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("test sms not delivered", extra={"tenant": tenant.id, "reason": str(exc)})
        return _refused(
            f"The app could not reach its own inbound URL under APP_URL ({type(exc).__name__})."
        )
    after = await store.get(challenge.id)
    status = after.status.value if after else None
    ok = response.status_code == 200 and status == "VERIFIED"
    message = (
        "The SMS was accepted and the test challenge is verified: inbound SMS work."
        if ok
        else f"The inbound endpoint answered HTTP {response.status_code}; the test challenge "
        f"is {status or 'gone'}."
    )
    return TestSmsResult(
        ok=ok,
        message=message,
        challenge_id=challenge.id,
        challenge_status=status,
        http_status=response.status_code,
        sms_from=sender,
        sms_to=settings.virtual_number,
        sms_text=text,
    )
