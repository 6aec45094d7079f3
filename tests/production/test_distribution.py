"""The wheel and the sdist carry everything the app needs: installed from either into a fresh
venv, run from an unrelated folder, `serve --demo` serves its pages."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/", "/demo", "/dashboard", "/widget.js", "/api/manifest")
RESOURCES = ("manifest.json", "webhooks/order_created.graphql", "graphql/order_confirm.graphql",
             "dashboard/admin/static/admin.js", "dashboard/widget/widget.js")


def run(*command: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def build_wheel(out: Path) -> Path:
    """`pip wheel .`, offline (the build backend is already installed)."""
    run(sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", str(out))
    (wheel,) = out.glob("saleor_reverse_otp-*.whl")
    return wheel


def build_sdist(out: Path) -> Path:
    """The sdist, through the build backend's own PEP 517 hook."""
    name = run(sys.executable, "-c",
               f"from hatchling.build import build_sdist; print(build_sdist({str(out)!r}))")
    return out / name.strip()


def fresh_venv(place: Path, wheel: Path) -> Path:
    """A new venv holding only the wheel; its dependencies are read from the test venv's
    site-packages (a path line, so that venv's own .pth files, the editable checkout's among
    them, are not processed)."""
    run(sys.executable, "-m", "venv", "--without-pip", str(place))
    site = next((place / "lib").glob("python*/site-packages"))
    run(sys.executable, "-m", "pip", "--python", str(place / "bin" / "python"), "install",
        "--no-deps", "--no-index", "-q", str(wheel))
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return place


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serves_the_demo(venv: Path, workdir: Path) -> dict[str, int]:
    """`saleor-reverse-otp serve --demo` from `workdir`; the status of each page."""
    located = run(str(venv / "bin" / "python"), "-c",
                  "import saleor_app.paths as p; print(p.RESOURCES)", cwd=workdir)
    assert Path(located.strip()).is_relative_to(venv), located
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "APP_URL", "PYTHONPATH")}
    env.update(DATA_DIR=str(workdir / "data"), LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [str(venv / "bin" / "saleor-reverse-otp"), "serve", "--demo", "--port", str(port)],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        return {page: httpx.get(base + page, timeout=10).status_code for page in PAGES}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.mark.parametrize("source", ["wheel", "sdist"])
def test_installed_distribution_serves_the_app_from_anywhere(tmp_path: Path, source: str) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    if source == "wheel":
        wheel = build_wheel(out)
    else:
        sdist = build_sdist(out)
        with tarfile.open(sdist) as archive:
            names = archive.getnames()
        top = names[0].split("/")[0]
        assert all(f"{top}/{path}" in names for path in RESOURCES), "the sdist misses files"
        run(sys.executable, "-m", "pip", "wheel", str(sdist), "--no-deps",
            "--no-build-isolation", "--no-index", "-q", "-w", str(out / "from-sdist"))
        (wheel,) = (out / "from-sdist").glob("*.whl")
    venv = fresh_venv(tmp_path / "venv", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(str(venv / "bin" / "saleor-reverse-otp"), "--version", cwd=elsewhere).startswith(
        "saleor-reverse-otp ")
    assert serves_the_demo(venv, elsewhere) == dict.fromkeys(PAGES, 200)
