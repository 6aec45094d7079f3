"""Log lines: one JSON object each, extras in the order given, secret-like fields redacted."""

from __future__ import annotations

import io
import json
import logging

from saleor_app.observability import JsonFormatter, request_id_var


def line(record: logging.LogRecord) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.handle(record)
    text = stream.getvalue()
    assert text.count("\n") == 1
    parsed: dict[str, object] = json.loads(text)
    return parsed


def test_a_line_carries_its_extras_in_order_and_redacts_secret_like_fields() -> None:
    logger = logging.getLogger("saleor_app.test")
    token = request_id_var.set("req42")
    try:
        record = logger.makeRecord(
            logger.name, logging.INFO, "f.py", 1, "inbound %s", ("sms",), None,
            extra={"tenant": "t1", "outcome": "VERIFIED", "auth_token": "s3cret", "_hidden": 1},
        )
        entry = line(record)
    finally:
        request_id_var.reset(token)
    assert list(entry) == [
        "time", "level", "logger", "message", "request_id", "tenant", "outcome", "auth_token"]
    assert entry["message"] == "inbound sms" and entry["auth_token"] == "[redacted]"
    assert "s3cret" not in json.dumps(entry)


def test_a_record_rebuilt_from_a_dict_keeps_its_extras() -> None:
    record = logging.makeLogRecord(
        {"name": "relay", "msg": "relayed", "levelname": "WARNING", "tenant": "t2", "code": "X"})
    entry = line(record)
    assert (entry["tenant"], entry["code"], entry["level"]) == ("t2", "[redacted]", "WARNING")
