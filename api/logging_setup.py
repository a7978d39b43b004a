"""One JSON object per log line, for `billing serve` and `billing worker`.

Fields given with `extra=` become keys of the line. Secrets never reach the output: keys
that could hold a token, a header or a guardian's contact are dropped, and a bearer token
that slipped into a message is masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# The attributes every LogRecord has; anything else was passed with `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_SECRET_KEYS = re.compile(
    r"authorization|token|password|secret|cookie|email|phone|contact|guardian", re.I
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """The text with any bearer token masked."""
    return _BEARER.sub(r"\1[redacted]", text)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: ts, level, logger, message and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key in _RECORD_FIELDS or key.startswith("_") or _SECRET_KEYS.search(key):
                continue
            line[key] = value
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


def setup_logging(level: int = logging.INFO) -> None:
    """Route every logger (uvicorn's and Dramatiq's included) to JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Our request log replaces uvicorn's access log, which would repeat each request.
    logging.getLogger("uvicorn.access").disabled = True
