"""Optional OpenTelemetry tracing: off without an endpoint; with one, a real OTLP/HTTP
collector receives a span per GraphQL operation and per generation chunk, without secrets."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.util._once import Once
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.ids import decode_id
from domain.models import Role
from observability.tracing import ENDPOINT_VARIABLES, configure_tracing, tracer_provider
from tests.billing_helpers import populate
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.servers import embedded_app, serve_app


@pytest.fixture(autouse=True)
def fresh_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OTEL endpoint, and no global tracer provider yet (it can be set once per process)."""
    for name in (*ENDPOINT_VARIABLES, "OTEL_SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    yield
    provider = tracer_provider()
    if provider is not None:  # a failed test may leave it on
        from observability.tracing import shutdown_tracing

        shutdown_tracing()


class Collector:
    """What an OTLP/HTTP collector received on /v1/traces."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.content_types: set[str] = set()

    async def traces(self, request: Request) -> Response:
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.bodies.append(body)
        self.content_types.add(request.headers.get("content-type", ""))
        answer = ExportTraceServiceResponse().SerializeToString()
        return Response(answer, media_type="application/x-protobuf")

    def spans(self) -> list[tuple[str, Span]]:
        """(service name, span) of every span received."""
        found = []
        for body in self.bodies:
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource_spans in request.resource_spans:
                service = attributes(resource_spans.resource.attributes)["service.name"]
                for scope_spans in resource_spans.scope_spans:
                    found.extend((service, span) for span in scope_spans.spans)
        return found


def attributes(pairs: Any) -> dict[str, Any]:
    def value(v: AnyValue) -> Any:
        kind = v.WhichOneof("value")
        return getattr(v, kind) if kind else None

    return {pair.key: value(pair.value) for pair in pairs}


@pytest.fixture
async def collector() -> AsyncIterator[tuple[Collector, str]]:
    state = Collector()
    app = Starlette(routes=[Route("/v1/traces", state.traces, methods=["POST"])])
    async with serve_app(app) as base:
        yield state, base


def test_without_an_endpoint_nothing_is_configured() -> None:
    assert configure_tracing("billing-api") is False
    assert tracer_provider() is None
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


async def test_operations_and_chunks_reach_the_collector_without_secrets(
    db: str,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    collector: tuple[Collector, str],
) -> None:
    # given a collector at the standard endpoint variable and 8 students in chunks of 3
    received, endpoint = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    account = await factory.account()
    s = await factory.school(account)
    await populate(factory, s, 2)
    finance = await factory.actor(account, Role.FINANCE, schools=[s.school])
    # when the app (workers in-process) answers a query and bills a run
    async with serve_app(embedded_app(monkeypatch, chunk_size=3)) as base:
        provider = tracer_provider()
        assert provider is not None
        gql = GraphQLClient.at(base, finance.token)
        try:
            answer = await gql.post("query WhoAmI { viewer { id } }")
            assert answer.status_code == 200 and "errors" not in answer.json()
            run_id = decode_id(await gql.run_to_completion(s), "BillingRun")
        finally:
            await gql.aclose()
        # then, once flushed, the collector holds the operations and every chunk of the run
        # (a chunk's span ends just after its commit: wait for the last one)
        async with asyncio.timeout(15):
            while True:
                # The exporter blocks while this loop serves the collector: flush from a thread.
                assert await asyncio.to_thread(provider.force_flush)
                chunks = [
                    attributes(span.attributes)
                    for service, span in received.spans()
                    if span.name == "billing.generate_chunk"
                ]
                if len([c for c in chunks if c["run_id"] == run_id and "invoices" in c]) >= 3:
                    break
                await asyncio.sleep(0.1)
    spans = received.spans()
    assert received.content_types == {"application/x-protobuf"}
    names = {span.name for _, span in spans}
    assert {"GraphQL Query: WhoAmI", "GraphQL Query: ConfirmRun"} <= names
    # embedded workers report under the server's service name
    assert {service for service, _ in spans} == {"billing-api"}
    run_chunks = sorted(
        (c for c in chunks if c["run_id"] == run_id and "invoices" in c), key=lambda c: c["chunk"]
    )
    assert [c["chunk"] for c in run_chunks] == [0, 1, 2]
    assert sum(c["invoices"] for c in run_chunks) == 8
    assert all(c["school_id"] == s.school.id and c["duration_ms"] >= 0 for c in run_chunks)
    # and no span carries the query text, resolver arguments, the token or a guardian contact
    for _, span in spans:
        keys = set(attributes(span.attributes))
        assert "query" not in keys and not any(k.startswith("graphql.param") for k in keys)
    for body in received.bodies:
        assert finance.token.encode() not in body and b"Bearer" not in body
        assert b"@example.org" not in body and b"+2547" not in body
