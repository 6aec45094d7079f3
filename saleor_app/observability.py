"""Structured JSON logs with a request id, and Prometheus metrics."""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from functools import lru_cache
from itertools import islice
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_RECORD_FIELDS = vars(logging.makeLogRecord({}))
_STANDARD_ATTRS = set(_RECORD_FIELDS) | {"message", "asctime", "color_message"}
_INIT_FIELDS = len(_RECORD_FIELDS)
"""Attributes a LogRecord sets itself; a record's `extra` fields come after them."""
_SECRET_WORDS = ("token", "secret", "password", "code", "signature", "authorization")


class JsonFormatter(logging.Formatter):
    """One JSON object a line; fields named like secrets are redacted."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._stamp = ""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": f"{self._timestamp(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in islice(vars(record).items(), _INIT_FIELDS, None):
            if key not in _STANDARD_ATTRS and key[0] != "_":
                entry[key] = "[redacted]" if _is_secret(key) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()

    def _timestamp(self, second: int) -> str:
        """UTC date and time of `second`, formatted once per second."""
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return self._stamp


@lru_cache(maxsize=1024)
def _is_secret(field: str) -> bool:
    lowered = field.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def configure_logging(level: str) -> None:
    """Send JSON lines to stderr at `level`; records skip the caller, thread and process
    lookups (the logging HOWTO's optimisations), which the JSON lines never show."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "uvicorn.access", "gql.transport.httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Metrics:
    """The app's Prometheus metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rotp_http_requests_total", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "rotp_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry
        )
        self.webhooks = Counter(
            "rotp_saleor_webhooks_total",
            "Saleor webhooks by event and outcome",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.store_seconds = Histogram(
            "rotp_store_ping_seconds",
            "Store round-trip latency (PING)",
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
        )
        self.inbound_sms = Counter(
            "rotp_inbound_sms_total",
            "Inbound SMS by provider and outcome",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "rotp_jobs_total",
            "Background jobs by name and outcome",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.reconciliations = Counter(
            "rotp_reconciliations_total",
            "Reconciliation passes of one tenant by outcome (done, saleor_unavailable, failed)",
            ["outcome"],
            registry=self.registry,
        )


@lru_cache(maxsize=4096)
def labelled(metric: MetricWrapperBase, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once per distinct set of labels."""
    return metric.labels(*labels)
