"""The ASGI application: /graphql (HTTP + WebSocket), /healthz, /readyz, with a lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from adapters import renderer_for
from api.cors import cors_middleware
from api.documents import billing_run_pdf, invoice_pdf, short_link_pdf
from api.exports import invoices_csv
from api.graphiql import static_mount
from api.http_errors import unauthenticated
from api.metrics import metrics_endpoint
from api.request_log import RequestLog
from api.schema import build_schema
from api.view import CALLER_KEY, BillingGraphQL, refusal
from api.webhooks import mpesa_callback
from domain import db, share_links
from domain.access import Caller, authenticate, bearer
from domain.settings import get_settings
from observability.tracing import configure_tracing, shutdown_tracing, tracer_provider

logger = logging.getLogger("billing.api")

#: Largest request body, in bytes: 1,000 students or 5,000 ids fit many times over; a
#: megabytes-long list is refused before it is parsed.
MAX_BODY_BYTES = 4 * 1024 * 1024


class GraphQLEndpoint:
    """Authenticates every HTTP request (except the GraphiQL page) before Strawberry sees it."""

    def __init__(self, view: BillingGraphQL) -> None:
        self.view = view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            wants_ide = request.method == "GET" and "query" not in request.query_params
            if not wants_ide:
                token = bearer(request.headers.get("authorization"))
                if token is None:
                    await unauthenticated("Missing bearer token.")(scope, receive, send)
                    return
                caller: Caller | None = await authenticate(token)
                if caller is None:
                    await unauthenticated("Unknown, expired or revoked token.")(
                        scope, receive, send
                    )
                    return
                scope[CALLER_KEY] = caller
            if request.method == "POST":
                bounded = await _bounded_body(request, receive, send)
                if bounded is None:
                    return
                receive = bounded
        await self.view(scope, receive, send)


async def _bounded_body(request: Request, receive: Receive, send: Send) -> Receive | None:
    """The body read up to MAX_BODY_BYTES and replayed to the view; None once refused (413)."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            response = refusal(413, "The request body is too large.")
            await response(request.scope, receive, send)
            return None
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return replay


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    checks: dict[str, str] = {}
    ok = True
    try:
        await db.conn().execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason is reported
        ok = False
        checks["database"] = f"error: {type(exc).__name__}"
    runtime = request.app.state.runtime
    # Redis is a dependency only when configured; the embedded mode has none to report.
    if runtime is not None and get_settings().redis_url:
        redis_ok = await runtime.ping()
        checks["redis"] = "ok" if redis_ok else "error"
        ok = ok and redis_ok
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503
    )


def create_app(
    *, run_workers: bool | None = None, manage_runtime: bool = True, manage_db: bool = True
) -> Starlette:
    """The app; with no REDIS_URL it also runs the workers in-process (the embedded default).

    Tests that own the database connections pass `manage_db=False`, and `manage_runtime=False`
    to leave out the queue too. With OTEL_EXPORTER_OTLP_ENDPOINT set, it exports traces
    (service `billing-api`) and flushes them when the lifespan ends.
    """
    settings = get_settings()
    # Fails fast in production without BILLING_SECRET_KEY (share links must verify everywhere).
    share_links.secret_key()
    tracing = configure_tracing("billing-api")
    schema = build_schema(tracer_provider=tracer_provider())
    view = BillingGraphQL(
        schema,
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        keep_alive=True,
        keep_alive_interval=15,
        allowed_origins=settings.cors_origins,
    )
    endpoint = GraphQLEndpoint(view)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with runtime_lifespan(app):
                yield
        finally:
            if tracing:
                # The exporter blocks: flush from a thread, the loop keeps serving meanwhile.
                await asyncio.to_thread(shutdown_tracing)

    @contextlib.asynccontextmanager
    async def runtime_lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_runtime:
            yield
            return
        if manage_db:
            await db.init_db(settings.database_url)
        from workers.runtime import Runtime

        runtime = Runtime.for_server(settings, run_workers=run_workers)
        app.state.runtime = runtime
        await runtime.start()
        logger.info(json.dumps({"event": "started", "redis": bool(settings.redis_url)}))
        try:
            yield
        finally:
            await runtime.stop()
            if manage_db:
                await db.close_db()

    app = Starlette(
        debug=False,
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/exports/invoices.csv", invoices_csv, methods=["GET"]),
            Route(
                "/webhooks/mpesa/{secret}/{kind:str}",
                mpesa_callback,
                methods=["POST"],
            ),
            Route("/documents/invoices/{invoice_id}.pdf", invoice_pdf, methods=["GET"]),
            Route("/documents/billing-runs/{run_id}.pdf", billing_run_pdf, methods=["GET"]),
            Route("/d/{token}", short_link_pdf, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            static_mount(),
        ],
        middleware=[Middleware(RequestLog), *cors_middleware(settings.cors_origins)],
        lifespan=lifespan,
    )
    app.state.runtime = None
    app.state.invoice_renderer = renderer_for(settings)
    return app
