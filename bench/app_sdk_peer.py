"""The peer developers would otherwise use: Saleor's @saleor/app-sdk ORDER_CREATED handler on
node:http (`bench/peers/app_sdk`), installed from the npm registry into its own folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bench.servers import ServerProcess

PEER_DIR = Path(__file__).resolve().parent / "peers" / "app_sdk"
INSTALL_TIMEOUT = 300.0


def node_available() -> bool:
    """Node.js and npm are on the PATH."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def install() -> str:
    """`npm ci` from the committed lock file (once per checkout); the SDK's version."""
    package = PEER_DIR / "node_modules" / "@saleor" / "app-sdk" / "package.json"
    if not package.exists():
        subprocess.run(["npm", "ci"], cwd=PEER_DIR, check=True, timeout=INSTALL_TIMEOUT,
                       stdout=subprocess.DEVNULL)
    return str(json.loads(package.read_text())["version"])


class AppSdkPeer(ServerProcess):
    """`node server.mjs` on a free loopback port, verifying the webhooks of one installed shop
    with the same JWKS as the app."""

    cwd = PEER_DIR

    def __init__(self, saleor_api_url: str, app_id: str, jwks_url: str, log_dir: Path) -> None:
        super().__init__("app-sdk", {}, log_dir, ready_path="/healthz")
        self.args = [saleor_api_url, app_id, jwks_url]
        self.version = install()

    def command(self) -> list[str]:
        return ["node", "server.mjs", str(self.port), *self.args]
