"""Optional OpenTelemetry tracing, off unless an OTLP endpoint is configured.

Set OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and `billing serve`
(service `billing-api`) and `billing worker` (service `billing-worker`) export spans over
OTLP/HTTP; the exporter reads the other standard OTEL_* variables itself. The server and
the worker both configure tracing here; the domain imports no tracing library and reports
finished chunks through `domain.observers`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from domain.observers import ChunkDone, add_chunk_listener, remove_chunk_listener

logger = logging.getLogger("billing.tracing")

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")

#: The span of one generation chunk.
CHUNK_SPAN = "billing.generate_chunk"

_provider: TracerProvider | None = None


def tracing_endpoint() -> str | None:
    """The configured OTLP endpoint, if any (the traces-specific one first)."""
    for name in ENDPOINT_VARIABLES:
        if value := os.environ.get(name, "").strip():
            return value
    return None


def tracer_provider() -> TracerProvider | None:
    """This process's provider while tracing is on, else None."""
    return _provider


def configure_tracing(service_name: str) -> bool:
    """Export spans to the configured OTLP endpoint; False (and nothing done) without one.

    Idempotent: a second call while tracing is on keeps the first provider. OTEL_SERVICE_NAME,
    when set, overrides `service_name`.
    """
    global _provider
    if _provider is not None:
        return True
    endpoint = tracing_endpoint()
    if endpoint is None:
        return False
    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    # The global provider can be set once per process; our own spans use `_provider`.
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(provider)
    _provider = provider
    add_chunk_listener(annotate_chunk)
    logger.info("tracing to %s as %s", endpoint, name)
    return True


def shutdown_tracing() -> None:
    """Flush the spans not yet exported and stop (blocking: off the event loop, please)."""
    global _provider
    provider, _provider = _provider, None
    remove_chunk_listener(annotate_chunk)
    if provider is not None:
        provider.shutdown()


@contextlib.contextmanager
def chunk_span(run_id: int, chunk: int) -> Iterator[None]:
    """The span of one generation chunk while tracing is on; nothing otherwise."""
    if _provider is None:
        yield
        return
    tracer = _provider.get_tracer("billing.workers")
    with tracer.start_as_current_span(CHUNK_SPAN, attributes={"run_id": run_id, "chunk": chunk}):
        yield


def annotate_chunk(event: ChunkDone) -> None:
    """Chunk listener: the chunk's school, invoices and time on the current chunk span."""
    span = trace.get_current_span()
    if span.is_recording() and getattr(span, "name", None) == CHUNK_SPAN:
        span.set_attributes(
            {
                "school_id": event.school_id,
                "invoices": event.invoices,
                "duration_ms": event.duration_ms,
            }
        )
