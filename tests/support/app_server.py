"""Run the real app under uvicorn on loopback, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from saleor_app.app import create_app
from saleor_app.config import Settings, load_settings
from saleor_app.http_limits import limited_server_options

SECRET_KEY = "test-secret-key-0123456789abcdef0123456789"


LOOPBACK_NETWORKS = ["127.0.0.0/8", "::1/128"]
"""The stand-in Saleor listens on loopback: tests allow it explicitly, as an operator would."""

def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """The app on http://127.0.0.1:<port>, with its worker, until stop()."""

    def __init__(self, redis_url: str, data_dir: Path, with_worker: bool = True, **settings: Any):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        values: dict[str, Any] = {
            "app_url": self.url,
            "redis_url": redis_url,
            "data_dir": data_dir,
            "secret_key": SECRET_KEY,
            "jwks_refresh_interval_seconds": 0,
            "saleor_private_networks": LOOPBACK_NETWORKS,
            "installs_per_client_per_hour": 0,
        }
        values.update(settings)
        self.settings: Settings = load_settings(**values)
        self.app = create_app(self.settings, with_worker=with_worker)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            **limited_server_options(self.settings),
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> AppServer:
        """Start and wait until the app answers."""
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("app server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Shut down gracefully (the lifespan closes the store and the worker)."""
        self.server.should_exit = True
        self._thread.join(timeout=20)

    @property
    def ctx(self) -> Any:
        """The running app's AppContext (for assertions on the store)."""
        return self.app.state.ctx

    def client(self) -> httpx.Client:
        """An HTTP client for this app."""
        return httpx.Client(base_url=self.url, timeout=10)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
