"""What can be checked of the container image without a Docker daemon: the Dockerfile builds the
wheel and installs only it, pinned, as a user without privileges, and its health check and
command match what the installed app serves."""

from __future__ import annotations

import re
import shlex
import tomllib
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.app_server import AppServer

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in joined.splitlines()]
    found: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            found.append([])
        if found and line and not line.startswith("#"):
            found[-1].append(line)
    return found


def pinned() -> dict[str, str]:
    text = (ROOT / "constraints.txt").read_text()
    pins = [line.split("==") for line in text.splitlines() if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pins}


def runtime_closure() -> set[str]:
    """Every distribution the installed app needs at run time (no extras), transitively."""
    seen: set[str] = set()
    todo = ["saleor-reverse-otp"]
    while todo:
        name = todo.pop()
        for text in distribution(name).requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not marker.evaluate({"extra": ""}):
                continue
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen.add(key)
                todo.append(requirement.name)
    return seen


def test_two_stages_the_second_installs_only_the_pinned_wheel_as_a_plain_user() -> None:
    build, run = stages()
    assert any("pip wheel" in line for line in build)
    installs = [line for line in run if line.startswith("RUN") and "pip install" in line]
    assert len(installs) == 1 and "--constraint /tmp/constraints.txt" in installs[0]
    assert "/tmp/wheels/*.whl" in installs[0] and "--editable" not in DOCKERFILE
    user = next(line for line in run if line.startswith("USER "))
    assert user.split()[1] not in ("root", "0")


def test_the_build_stage_copies_every_folder_the_wheel_carries() -> None:
    build, _ = stages()
    copied = {source for line in build if line.startswith("COPY ")
              for source in line.split()[1:-1]}
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"]["wheel"]
    assert set(wheel["force-include"]) | set(wheel["packages"]) <= copied
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert not ignored & copied


def test_constraints_pin_every_runtime_dependency() -> None:
    missing = runtime_closure() - set(pinned())
    assert not missing, f"constraints.txt lacks {sorted(missing)}"


def test_health_check_and_command_use_the_served_port_and_path(app_server: AppServer) -> None:
    _, run = stages()
    health = next(line for line in run if line.startswith("HEALTHCHECK"))
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", health)
    assert url is not None
    command = shlex.split(next(line for line in run if line.startswith("CMD ")).removeprefix(
        "CMD ").replace("[", "").replace("]", "").replace(",", " "))
    assert command[:2] == ["saleor-reverse-otp", "serve"]
    assert command[command.index("--port") + 1] == url.group(1)
    assert f"EXPOSE {url.group(1)}" in run
    with app_server.client() as http:
        assert http.get(url.group(2)).status_code == 200
