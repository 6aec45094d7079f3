"""Where the app sends a shop's token: only to public addresses, unless the operator allows a
private network. A Saleor-Api-Url on loopback or a private network is refused before any
connection is made (no request forgery into the app's own network)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from saleor_app.saleor.client import SaleorClient, SaleorUnavailable
from saleor_app.saleor.outbound import AddressPolicy
from tests.standin import SaleorStandIn
from tests.support.app_server import AppServer


class Listener:
    """A TCP listener on loopback that only counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def public_only(start_app: Callable[..., AppServer]) -> AppServer:
    """The app with the default policy: no private network allowed."""
    return start_app(saleor_private_networks=[])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "10.0.0.1",
                                  "169.254.169.254"])
def test_register_with_a_non_public_saleor_is_refused_without_calling_it(
    public_only: AppServer, listener: Listener, host: str
) -> None:
    url = f"http://{host}:{listener.port}/graphql/"
    with public_only.client() as http:
        answer = http.post("/api/register", json={"auth_token": "a" * 30},
                           headers={"Saleor-Api-Url": url})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "SALEOR_ADDRESS_REFUSED"
    assert listener.accepted == 0


async def test_a_name_that_resolves_inside_is_refused_at_connect_time(listener: Listener) -> None:
    client = SaleorClient(f"http://localhost:{listener.port}/graphql/", "token", 2.0,
                          AddressPolicy.of([]))
    with pytest.raises(SaleorUnavailable, match="non-public"):
        await client.execute("app_id")
    assert listener.accepted == 0


async def test_an_allowed_private_network_installs(start_app: Callable[..., AppServer]) -> None:
    app = start_app(saleor_private_networks=["127.0.0.0/8"])
    with SaleorStandIn() as saleor:
        installed = await saleor.install(f"{app.url}/api/manifest")
    assert installed.register_response is not None
    assert installed.register_response.status_code == 200


def test_installs_from_one_address_are_limited(start_app: Callable[..., AppServer]) -> None:
    app = start_app(installs_per_client_per_hour=2)
    with app.client() as http:
        statuses = [http.post("/api/register", json={},
                              headers={"Saleor-Api-Url": "https://shop.example.com/graphql/"})
                    for _ in range(3)]
    assert [s.status_code for s in statuses] == [400, 400, 429]
    assert statuses[2].json()["error"]["code"] == "RATE_LIMITED"
    assert statuses[2].headers["retry-after"] == "3600"
