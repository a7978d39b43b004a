"""A span per GraphQL operation (and per resolver), when tracing is on (observability.tracing).

Strawberry's OpenTelemetryExtension records the query text and every resolver's arguments
as span attributes; both can hold guardian contacts (inline literals, input variables), so
this subclass records neither: a span carries the operation name, field paths and timing.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension


class GraphQLTracing(OpenTelemetryExtension):
    """Strawberry's OpenTelemetry spans without the query text or resolver arguments."""

    def __init__(self, *, tracer_provider: trace.TracerProvider | None = None) -> None:
        super().__init__(tracer_provider=tracer_provider)

    def on_operation(self) -> Generator[None, None, None]:
        # As Strawberry's, less the "query" attribute.
        name = self.execution_context.operation_name
        span = self._tracer.start_span(
            f"GraphQL Query: {name}" if name else "GraphQL Query", kind=SpanKind.SERVER
        )
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        yield
        resolved = self.execution_context.operation_name
        if resolved:
            span.set_attribute("graphql.operation.name", resolved)
            if not name:
                span.update_name(f"GraphQL Query: {resolved}")
        span.end()

    def filter_resolver_args(
        self, args: dict[str, Any], info: GraphQLResolveInfo
    ) -> dict[str, Any]:
        return {}
