"""GraphQL documents the app sends to Saleor, read from the top-level graphql/ folder."""

from __future__ import annotations

from functools import cache

from saleor_app.paths import GRAPHQL_DIR


@cache
def document(name: str) -> str:
    """The text of `graphql/<name>.graphql`."""
    return (GRAPHQL_DIR / f"{name}.graphql").read_text()
