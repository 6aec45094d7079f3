"""GraphQL documents the app sends to Saleor, read from the top-level graphql/ folder."""

from __future__ import annotations

import re
from functools import cache

from saleor_app.paths import GRAPHQL_DIR

_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_]\w*)")


@cache
def fragments() -> dict[str, str]:
    """Every fragment of graphql/fragments/, by name."""
    found: dict[str, str] = {}
    for path in sorted((GRAPHQL_DIR / "fragments").glob("*.graphql")):
        text = path.read_text()
        for match in re.finditer(r"fragment\s+(\w+)\s+on", text):
            found[match.group(1)] = text
    return found


def with_fragments(text: str) -> str:
    """The document followed by every fragment it spreads, transitively."""
    known = fragments()
    included: list[str] = []
    pending = list(_SPREAD.findall(text))
    while pending:
        name = pending.pop()
        source = known.get(name)
        if source is None or source in included:
            continue
        included.append(source)
        pending.extend(_SPREAD.findall(source))
    return "\n".join([text.rstrip(), *included])


@cache
def document(name: str) -> str:
    """The text of `graphql/<name>.graphql` with the fragments it uses."""
    return with_fragments((GRAPHQL_DIR / f"{name}.graphql").read_text())
