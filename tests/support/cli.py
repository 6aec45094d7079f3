"""The app's own command line (`saleor-reverse-otp …`) run as a separate process in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.support.app_server import LOOPBACK_NETWORKS, SECRET_KEY


def cli_process(redis_url: str, data_dir: Path, app_url: str, *args: str, stdout: int = subprocess.DEVNULL,
                stderr: int | IO[bytes] = subprocess.DEVNULL, **env: str) -> subprocess.Popen[bytes]:
    """`saleor-reverse-otp <args>` on this store and public URL, quiet (unless `stdout` or
    `stderr` is subprocess.PIPE), extra `env` added."""
    full = {**os.environ, "REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY,
            "DATA_DIR": str(data_dir), "APP_URL": app_url, "LOG_LEVEL": "WARNING",
            "SALEOR_PRIVATE_NETWORKS": ",".join(LOOPBACK_NETWORKS), **env}
    return subprocess.Popen([sys.executable, "-m", "saleor_app.cli", *args], env=full,
                            stdout=stdout, stderr=stderr)
