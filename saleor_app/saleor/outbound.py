"""Where a call to a tenant's Saleor may go: public addresses, and the non-public networks the
operator lists. The check runs when the connection is made, on the address connected to, so a
host name that resolves differently later (DNS rebinding) cannot slip past it."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore import AsyncNetworkBackend, AsyncNetworkStream
from httpcore._backends.auto import AutoBackend

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NEVER_PUBLIC: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("::/96"),
)
"""Ranges some Python versions call global although nothing public lives there (IETF protocol
assignments; IPv4-compatible IPv6)."""

EMBEDDING_V4: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("2002::/16"),
)
"""IPv6 ranges that carry an IPv4 address (NAT64, 6to4): the carried address is judged too."""


class AddressRefused(httpcore.ConnectError):
    """The Saleor's host is, or resolves to, an address the policy refuses."""


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in EMBEDDING_V4[0]:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses are always allowed; a non-public one only inside `private_networks`."""

    private_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, networks: Iterable[str]) -> AddressPolicy:
        """The policy allowing these networks (e.g. `127.0.0.0/8`) besides public addresses."""
        return cls(tuple(ipaddress.ip_network(item, strict=False) for item in networks))

    def permits(self, address: IPAddress) -> bool:
        """Whether a connection to this address is allowed."""
        if any(address in network for network in self.private_networks):
            return True
        if isinstance(address, ipaddress.IPv6Address):
            embedded = _embedded_v4(address)
            if embedded is not None:
                return self.permits(embedded)
        public = address.is_global and not address.is_multicast
        return public and not any(address in network for network in NEVER_PUBLIC)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address of `host`; AddressRefused unless the policy permits each of them."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        refused = [a for a in addresses if not self.permits(ipaddress.ip_address(a))]
        if refused or not addresses:
            raise AddressRefused(f"{host} resolves to a non-public address")
        return addresses

    async def check_url(self, url: str) -> None:
        """Raise AddressRefused unless the host of this http(s) URL may be called."""
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        await self.resolve(parts.hostname or "", port)

    def describe(self) -> str:
        """The allowed non-public networks, for the start-up banner."""
        return ", ".join(str(network) for network in self.private_networks)


class _CheckedBackend(AsyncNetworkBackend):
    """Resolves the host itself, checks every address, then connects to a checked one."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._policy.resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"{host} did not resolve in time") from None
        failure: Exception = httpcore.ConnectError(f"{host}: no address")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        raise AddressRefused("a Saleor is never reached through a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def checked_transport(policy: AddressPolicy, verify: object) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection passes the policy (no proxy from the
    environment: the check is on the address actually connected to)."""
    transport = httpx.AsyncHTTPTransport(verify=verify, trust_env=False)  # type: ignore[arg-type]
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=transport._pool._ssl_context,
        network_backend=_CheckedBackend(policy),
    )
    return transport
