"""One JSON log line and the metrics of every HTTP request, GraphQL operation included
(operations over a WebSocket are logged the same way by api/ws.py).

The operation name is read from a copy of the request body as the app consumes it (never
re-read), from `operationName` or else the first named operation of the query. Nothing of
the headers is logged.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import record_request

logger = logging.getLogger("billing.http")

# Bytes of a GraphQL body kept to find its operation name; longer bodies are not parsed.
MAX_BODY = 256 * 1024
_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")


def operation_name(payload: Any) -> str | None:
    """The operation a GraphQL request payload runs, when it has a name."""
    if isinstance(payload, list):
        return "batch"
    if not isinstance(payload, dict):
        return None
    name = payload.get("operationName")
    if isinstance(name, str) and name:
        return name
    query = payload.get("query")
    if isinstance(query, str):
        found = _OPERATION.search(query)
        return found.group(1) if found else None
    return None


def _route(path: str, status: int) -> str:
    """A bounded label for the path: known routes as they are, the rest grouped."""
    if path in _ROUTES or path.startswith("/exports/"):
        return path
    if path.startswith("/static/"):
        return "/static"
    if path.startswith("/documents/"):  # /documents/invoices/<id>.pdf: one label per kind
        return "/".join(path.split("/")[:3])
    return "other" if status == 404 else path


def log_request(
    *, method: str, path: str, operation: str | None, status: int, seconds: float
) -> None:
    """Count and log one request (or one operation over a WebSocket, method "WS")."""
    record_request(
        method=method,
        path=_route(path, status),
        operation=operation,
        status=status,
        seconds=seconds,
    )
    logger.info(
        "request",
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "operation": operation,
        },
    )


class RequestLog:
    """ASGI middleware: times each HTTP request, then logs and counts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        body: list[bytes] = []
        size = 0
        keep = scope["method"] == "POST" and scope["path"] == "/graphql"

        async def receive_copy() -> Message:
            nonlocal size
            message = await receive()
            if keep and message["type"] == "http.request" and size <= MAX_BODY:
                chunk = message.get("body", b"")
                size += len(chunk)
                body.append(chunk)
            return message

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive_copy if keep else receive, send_status)
        finally:
            log_request(
                method=scope["method"],
                path=scope["path"],
                operation=self._operation(scope, body, size),
                status=status,
                seconds=time.perf_counter() - started,
            )

    @staticmethod
    def _operation(scope: Scope, body: list[bytes], size: int) -> str | None:
        if scope["path"] != "/graphql":
            return None
        if scope["method"] == "GET":
            params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            return operation_name({k: v[0] for k, v in params.items()})
        if not body or size > MAX_BODY:
            return None
        try:
            return operation_name(json.loads(b"".join(body)))
        except ValueError:
            return None
