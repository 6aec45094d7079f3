"""JSON from untrusted bodies: bounded nesting and strict strings, refused as ValueError."""

from __future__ import annotations

from typing import Any

import orjson

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a request body may have."""


class UntrustedJsonError(ValueError):
    """The body is not JSON this app accepts: malformed, too deep, or with lone surrogates."""


def loads_untrusted(body: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse `body`; UntrustedJsonError if it is malformed, nested past `max_depth`, or holds
    a string that is not valid Unicode (orjson refuses lone UTF-16 surrogates and stops at
    1,024 levels in C, so no parse can exhaust the Python stack)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UntrustedJsonError("body is not valid JSON") from exc
    if _openers(body) > max_depth and _depth(document) > max_depth:
        raise UntrustedJsonError(f"JSON nested deeper than {max_depth}")
    return document


def _openers(body: bytes | str) -> int:
    """An upper bound of the nesting, counted in C: most bodies need no walk at all."""
    if isinstance(body, str):
        return body.count("[") + body.count("{")
    return body.count(b"[") + body.count(b"{")


def _depth(document: Any) -> int:
    """Deepest nesting of arrays and objects, walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((value, depth + 1) for value in item)
    return deepest
