"""A Saleor API client per tenant, on gql's async httpx transport."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import certifi
import httpx
from gql import Client, gql
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXAsyncTransport

from saleor_app.saleor.documents import document
from saleor_app.saleor.outbound import AddressPolicy, checked_transport

log = logging.getLogger(__name__)


@cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs tens of milliseconds."""
    return ssl.create_default_context(cafile=certifi.where())


class SaleorUnavailable(Exception):
    """Saleor could not be reached or answered 5xx: worth retrying later."""


class SaleorRefused(Exception):
    """Saleor answered with GraphQL errors (permission, validation): retrying will not help."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


RETRYABLE = (
    TransportServerError,
    TransportConnectionFailed,
    TransportProtocolError,
    httpx.TransportError,
    asyncio.TimeoutError,
)


Observer = Callable[[bool], Awaitable[None]]
"""Told after each call whether Saleor answered (True) or could not be reached (False)."""


class SaleorClient:
    """Runs the documents of graphql/ against one Saleor with one token."""

    def __init__(
        self,
        api_url: str,
        token: str,
        timeout: float,
        addresses: AddressPolicy,
        observe: Observer | None = None,
    ) -> None:
        self.api_url = api_url
        self._token = token
        self._timeout = timeout
        self._addresses = addresses
        self._observe = observe

    async def execute(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run `graphql/<name>.graphql` once; raise SaleorUnavailable or SaleorRefused."""
        transport = HTTPXAsyncTransport(
            url=self.api_url,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=self._timeout,
            follow_redirects=False,
            transport=checked_transport(self._addresses, tls_context()),
        )
        client = Client(transport=transport, execute_timeout=self._timeout)
        try:
            async with client as session:
                request = gql(document(name))
                request.variable_values = variables
                result: dict[str, Any] = await session.execute(request)
        except TransportQueryError as exc:
            await self._told(True)
            raise SaleorRefused(f"{name}: {exc.errors}", list(exc.errors or [])) from None
        except RETRYABLE as exc:
            await self._told(False)
            raise SaleorUnavailable(f"{name}: {type(exc).__name__}: {exc}") from None
        await self._told(True)
        return result

    async def _told(self, answered: bool) -> None:
        if self._observe is not None:
            await self._observe(answered)

    async def query(
        self, name: str, variables: dict[str, Any] | None = None, attempts: int = 3
    ) -> dict[str, Any]:
        """Run a read, retrying with backoff while Saleor is unavailable."""
        delay = 0.2
        for attempt in range(1, attempts + 1):
            try:
                return await self.execute(name, variables)
            except SaleorUnavailable:
                if attempt == attempts:
                    raise
                log.info("saleor read failed, retrying", extra={"document": name})
                await asyncio.sleep(delay)
                delay *= 4
        raise AssertionError("unreachable")
