"""Byte-level helpers shared by the adapters: headers, forms, JSON, timestamps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from starlette.datastructures import Headers

from saleor_app.json_input import loads_untrusted
from saleor_app.sms.base import InboundRequest, MalformedRequest, SignatureError

Pairs = list[tuple[str, str]]
T = TypeVar("T")

MAX_FIELDS = 1000
TOLERANCE_SECONDS = 300
FUTURE_SKEW_SECONDS = 30
"""How far ahead of this server's clock a signed timestamp may be."""
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def header(request: InboundRequest, name: str) -> str | None:
    """The header `name` (case-insensitive), or None."""
    wanted = name.lower()
    value = request.headers.get(wanted)
    if value is not None or isinstance(request.headers, Headers):
        return value
    for key, value in request.headers.items():
        if key.lower() == wanted:
            return value
    return None


def media_type(request: InboundRequest) -> str:
    """The lower-cased media type of the body, without parameters."""
    return request.content_type.split(";", 1)[0].strip().lower()


def is_json(request: InboundRequest) -> bool:
    """Whether the body declares itself JSON."""
    kind = media_type(request)
    return kind == "application/json" or kind.endswith("+json")


def parse_form(data: bytes, fallback: str | None = None) -> Pairs:
    """Decode `application/x-www-form-urlencoded` bytes, keeping order, repeats and blanks.

    Text is UTF-8; with a `fallback` encoding, text that is not UTF-8 is read in that one."""
    text = _decode(data, fallback)
    if text.count("&") >= MAX_FIELDS and sum(1 for field in text.split("&") if field) > MAX_FIELDS:
        raise MalformedRequest("too many form fields")
    pairs: Pairs = []
    for field in text.replace("+", " ").split("&"):
        if field:
            name, _, value = field.partition("=")
            if "%" in field:
                name, value = _unquote(name, fallback), _unquote(value, fallback)
            pairs.append((name, value))
    return pairs


def _decode(raw: bytes, fallback: str | None) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if fallback is None:
            raise MalformedRequest("form data is not valid UTF-8") from None
        return raw.decode(fallback, errors="replace")


def _unquote(text: str, fallback: str | None) -> str:
    """Percent-decode `text` (its "+" already read as spaces)."""
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        if fallback is None:
            raise MalformedRequest("form data is not valid UTF-8") from None
        return unquote(text, encoding=fallback, errors="replace")


def url_query(request: InboundRequest, fallback: str | None = None) -> Pairs:
    """The query parameters of `public_url`, decoded from its raw query string."""
    try:
        raw = urlsplit(request.public_url).query.encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        raise MalformedRequest("request URL is malformed") from None
    return parse_form(raw, fallback)


def load_object(body: bytes) -> dict[str, object]:
    """Parse a JSON object from raw bytes."""
    try:
        document = loads_untrusted(body)
    except ValueError:
        raise MalformedRequest("body is not valid JSON") from None
    if not isinstance(document, dict):
        raise MalformedRequest("JSON body must be an object")
    return document


def first(pairs: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of `name`, or None."""
    for key, value in pairs:
        if key == name:
            return value
    return None


def required(pairs: Iterable[tuple[str, str]], name: str, *, allow_empty: bool = False) -> str:
    """The first value of `name`; raise MalformedRequest when absent (or empty)."""
    value = first(pairs, name)
    if value is None or not (value or allow_empty):
        raise MalformedRequest(f"missing field {name}")
    return value


def member(document: Mapping[str, object], name: str, kind: type[T]) -> T:
    """`document[name]` checked to be a `kind`; raise MalformedRequest otherwise."""
    value = document.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise MalformedRequest(f"field {name} is missing or not a {kind.__name__}")
    return value


def optional_text(document: Mapping[str, object], name: str) -> str | None:
    """`document[name]` when it is a non-empty string, else None."""
    value = document.get(name)
    return value if isinstance(value, str) and value else None


def check_fresh(timestamp: str | None, now: float, label: str) -> str:
    """`timestamp`, after checking it is unix seconds at most TOLERANCE_SECONDS old and at most
    FUTURE_SKEW_SECONDS ahead of `now` (clocks differ a little; a signature made for later is a
    replay prepared in advance)."""
    if timestamp is None:
        raise SignatureError(f"missing {label}")
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise SignatureError(f"malformed {label}")
    age = now - int(timestamp)
    if age > TOLERANCE_SECONDS:
        raise SignatureError(f"{label} is older than {TOLERANCE_SECONDS} s")
    if -age > FUTURE_SKEW_SECONDS:
        raise SignatureError(f"{label} is more than {FUTURE_SKEW_SECONDS} s in the future")
    return timestamp
