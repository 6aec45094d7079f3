"""JSON from untrusted bodies: bounded nesting and strict strings, refused as ValueError."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a request body may have."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_OPENERS = frozenset(b"[{")


class UntrustedJsonError(ValueError):
    """The body is not JSON this app accepts: malformed, too deep, or with lone surrogates."""


def loads_untrusted(body: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse `body`; UntrustedJsonError if it is malformed, nested past `max_depth`,
    or holds a string that is not valid Unicode (a lone UTF-16 surrogate)."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if _depth(raw) > max_depth:
        raise UntrustedJsonError(f"JSON nested deeper than {max_depth}")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise UntrustedJsonError("body is not valid JSON") from exc
    if not _valid_text(document):
        raise UntrustedJsonError("JSON string is not valid Unicode")
    return document


def _depth(raw: bytes) -> int:
    """Deepest bracket nesting outside string literals."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", raw)):
        if match[0][0] in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _valid_text(document: Any) -> bool:
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True
