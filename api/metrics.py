"""Prometheus metrics of the API: requests and latency by GraphQL operation, runs by status.

GET /metrics serves them with the workers' metrics of this process (in the embedded mode
the workers run here). Runs by status are counted at scrape time with one GROUP BY query.
"""

from __future__ import annotations

import logging
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from domain.run_stats import count_runs_by_status

logger = logging.getLogger("billing.metrics")

# Operation names come from clients: past this many distinct names, new ones count as
# "other", so that a careless or hostile client cannot grow the metrics without bound.
MAX_OPERATIONS = 200
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
_known_operations: set[str] = set()

REQUESTS = Counter(
    "billing_http_requests",
    "HTTP requests by route, GraphQL operation and status code.",
    ["method", "path", "operation", "status"],
)
LATENCY = Histogram(
    "billing_http_request_duration_seconds",
    "HTTP request latency by route and GraphQL operation.",
    ["path", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RUNS = Gauge("billing_runs", "Billing runs by status (all accounts).", ["status"])


def operation_label(name: str | None) -> str:
    """A bounded label for a GraphQL operation name."""
    if not name:
        return "anonymous"
    if not _NAME.match(name):
        return "other"
    if name not in _known_operations:
        if len(_known_operations) >= MAX_OPERATIONS:
            return "other"
        _known_operations.add(name)
    return name


def record_request(
    *, method: str, path: str, operation: str | None, status: int, seconds: float
) -> None:
    op = operation_label(operation)
    REQUESTS.labels(method=method, path=path, operation=op, status=str(status)).inc()
    LATENCY.labels(path=path, operation=op).observe(seconds)


async def metrics_endpoint(request: Request) -> Response:
    """The Prometheus text format; a database failure leaves the run gauge as last seen."""
    try:
        for status, count in (await count_runs_by_status()).items():
            RUNS.labels(status=status).set(count)
    except Exception:
        logger.warning("could not count runs for /metrics", exc_info=True)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
