"""JSON log lines on stderr. Secrets never reach the log: known-sensitive keys are masked and URL
passwords are replaced, whatever the caller passes in ``extra``."""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

from ecoeco.shared.redact import SENSITIVE_KEY, redact

# Attributes every LogRecord has; anything else came from ``extra=``.
# (uvicorn's "color_message" duplicates msg with terminal escapes.)
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


# Set per request by the HTTP middleware, so every line logged while serving it carries the id.
request_id_var: ContextVar[str | None] = ContextVar("ecoeco_request_id", default=None)


def redact_value(value: Any, key: str | None = None) -> Any:
    """A structured log field with secrets masked: by its key, else by the text redactor."""
    if key is not None and SENSITIVE_KEY.search(key):
        return "***"
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if self.service:
            entry["service"] = self.service
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = redact_value(value, key)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str | None = None, level: str = "INFO") -> None:
    """Route the root logger (and uvicorn's) to one JSON handler on stderr. Idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing.formatter, JsonFormatter):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # Request lines come from our own middleware (route template, no headers); uvicorn's would log raw
    # paths and query strings, which can carry tokens (OAuth callbacks).
    logging.getLogger("uvicorn.access").disabled = True
