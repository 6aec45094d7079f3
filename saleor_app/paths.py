"""Where the app's non-Python files live: the checkout's top-level folders, or their copies
under `saleor_app/resources` in an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "resources"
RESOURCES = _INSTALLED if _INSTALLED.is_dir() else _PACKAGE.parent
WEBHOOKS_DIR = RESOURCES / "webhooks"
GRAPHQL_DIR = RESOURCES / "graphql"
DASHBOARD_DIR = RESOURCES / "dashboard"
MANIFEST_TEMPLATE = RESOURCES / "manifest.json"
