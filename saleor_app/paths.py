"""Where the app's non-Python files live: the checkout's top-level folders."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEBHOOKS_DIR = PROJECT_ROOT / "webhooks"
GRAPHQL_DIR = PROJECT_ROOT / "graphql"
DASHBOARD_DIR = PROJECT_ROOT / "dashboard"
MANIFEST_TEMPLATE = PROJECT_ROOT / "manifest.json"
