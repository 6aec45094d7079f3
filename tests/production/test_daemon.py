"""`saleor-reverse-otp serve` as an operator runs it: in its own process group as a terminal
starts it, on its embedded store. It binds before it announces, stops cleanly on every stop
signal, says in one line why it cannot start, and its store is its own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.app_server import free_port

SECRET_A = "a" * 40
SECRET_B = "b" * 40
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


@dataclass
class Daemon:
    """One `serve` process and where its output goes."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    data_dir: Path

    @property
    def stdout(self) -> str:
        return self.out.read_text()

    @property
    def stderr(self) -> str:
        return self.err.read_text()

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        return self.process.wait(timeout=timeout)

    def ready(self) -> Daemon:
        deadline = time.monotonic() + READY_TIMEOUT
        while "listening on" not in self.stdout:
            assert self.process.poll() is None, self.stderr
            assert time.monotonic() < deadline, "no banner"
            time.sleep(0.05)
        url = self.stdout.split("listening on ", 1)[1].split()[0]
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return self
            assert time.monotonic() < deadline, "never healthy"
            time.sleep(0.05)

    def store_pid(self) -> int:
        pid = 0
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for child in children.read_text().split():
            if "valkey" in Path(f"/proc/{child}/cmdline").read_text():
                pid = int(child)
        assert pid, "no embedded Valkey child"
        return pid

    def store_port(self) -> int:
        config = (self.data_dir / "valkey" / "valkey.conf").read_text()
        return int(next(line.split()[1] for line in config.splitlines() if line.startswith("port")))


def serve(tmp_path: Path, *args: str, data_dir: Path | None = None, **env: str) -> Daemon:
    """`serve` in a new process group (as a shell starts a job), from `tmp_path`."""
    data = data_dir or tmp_path / "data"
    full = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "APP_URL", "LOG_LEVEL")}
    full.update({"DATA_DIR": str(data), "SECRET_KEY": SECRET_A, **env})
    index = len(list(tmp_path.glob("out-*")))
    out, err = tmp_path / f"out-{index}", tmp_path / f"err-{index}"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "saleor_app.cli", "serve", *args],
                                   cwd=tmp_path, env=full, stdout=stdout, stderr=stderr,
                                   start_new_session=True)
    return Daemon(process, out, err, data)


def gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def one_line(daemon: Daemon) -> str:
    lines = daemon.stderr.strip().splitlines()
    assert len(lines) == 1, daemon.stderr
    assert daemon.stdout == "", "nothing may be announced"
    return lines[0]


@pytest.fixture
def cleanup() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        if daemon.process.poll() is None:
            os.killpg(daemon.process.pid, signal.SIGKILL)
            daemon.process.wait(timeout=10)


def test_a_port_in_use_is_one_line_and_exit_2_before_any_banner(
    tmp_path: Path, cleanup: list[Daemon]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        daemon = serve(tmp_path, "--port", str(port))
        cleanup.append(daemon)
        assert daemon.wait() == 2
    assert "already in use" in one_line(daemon)


@pytest.mark.parametrize("args", [("--port", "99999"), ("--port", "0"),
                                  ("--host", "no-such-host.invalid")])
def test_bad_port_or_host_is_one_line_and_exit_2(
    tmp_path: Path, cleanup: list[Daemon], args: tuple[str, str]
) -> None:
    daemon = serve(tmp_path, *args)
    cleanup.append(daemon)
    assert daemon.wait() == 2
    assert args[0] in one_line(daemon)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_to_the_process_group_stops_app_then_store_with_exit_0(
    tmp_path: Path, cleanup: list[Daemon], stop: signal.Signals
) -> None:
    daemon = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(daemon)
    daemon.ready()
    store = daemon.store_pid()
    os.killpg(daemon.process.pid, stop)
    assert daemon.wait() == 0, daemon.stderr
    assert "Traceback" not in daemon.stderr + daemon.stdout
    assert gone(store), "the embedded Valkey outlived the app"


def test_the_store_dies_with_a_killed_app_and_a_second_serve_is_refused(
    tmp_path: Path, cleanup: list[Daemon]
) -> None:
    first = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(first)
    first.ready()
    second = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(second)
    assert second.wait() == 2
    assert "is in use" in one_line(second)
    store = first.store_pid()
    first.process.kill()
    first.wait()
    assert gone(store), "the embedded Valkey outlived a killed app"
    again = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(again)
    again.ready()


def test_the_store_is_its_owners_alone(tmp_path: Path, cleanup: list[Daemon]) -> None:
    daemon = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(daemon)
    daemon.ready()
    stranger = redis.Redis(host="127.0.0.1", port=daemon.store_port())
    with pytest.raises(redis.AuthenticationError):
        stranger.dbsize()
    stranger.close()
    for folder in (daemon.data_dir, daemon.data_dir / "valkey"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((daemon.data_dir / "valkey.password").stat().st_mode) == 0o600


def test_a_store_that_dies_under_the_app_stops_it_with_exit_1(
    tmp_path: Path, cleanup: list[Daemon]
) -> None:
    daemon = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(daemon)
    daemon.ready()
    os.kill(daemon.store_pid(), signal.SIGKILL)
    assert daemon.wait() == 1
    assert "embedded store stopped" in daemon.stderr.strip().splitlines()[-1]


def test_start_up_failures_are_one_line_and_exit_2(
    tmp_path: Path, cleanup: list[Daemon]
) -> None:
    closed = free_port()
    unreachable = serve(tmp_path, "--port", str(free_port()),
                        REDIS_URL=f"redis://127.0.0.1:{closed}/0")
    no_binary = serve(tmp_path, "--port", str(free_port()), data_dir=tmp_path / "other",
                      VALKEY_SERVER=str(tmp_path / "no-valkey-server"))
    cleanup += [unreachable, no_binary]
    assert unreachable.wait() == 2 and no_binary.wait() == 2
    assert f"127.0.0.1:{closed}" in one_line(unreachable)
    assert "no-valkey-server" in one_line(no_binary)

    first = serve(tmp_path, "--port", str(free_port()))
    cleanup.append(first)
    first.ready()
    os.killpg(first.process.pid, signal.SIGTERM)
    assert first.wait() == 0
    wrong_key = serve(tmp_path, "--port", str(free_port()), SECRET_KEY=SECRET_B)
    cleanup.append(wrong_key)
    assert wrong_key.wait() == 2
    assert "SECRET_KEY" in one_line(wrong_key)
