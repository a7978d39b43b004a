"""A time bound on each query: a query still running after MAX_QUERY_SECONDS is stopped and
answered with a TIMEOUT error, over HTTP and WebSocket. Mutations are not cut short (their
work is bounded by their input caps, and a write must not stop between commit and enqueue);
subscriptions live as long as their run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

#: Longest a query may run, in seconds (the slowest page the contract needs takes well under 1).
MAX_QUERY_SECONDS = 10.0

_deadline: ContextVar[asyncio.Timeout | None] = ContextVar("billing_deadline", default=None)


@contextlib.asynccontextmanager
async def bounded() -> AsyncIterator[None]:
    """Runs one operation under a deadline that QueryDeadline arms once it knows a query runs.

    Raises TimeoutError when the query ran out of time.
    """
    async with asyncio.timeout(None) as timeout:
        token = _deadline.set(timeout)
        try:
            yield
        finally:
            _deadline.reset(token)


def timeout_error() -> GraphQLError:
    return GraphQLError(
        f"The query ran longer than {MAX_QUERY_SECONDS:g} s and was stopped; ask for less.",
        extensions={"code": "TIMEOUT"},
    )


class QueryDeadline(SchemaExtension):
    """Arms the operation's deadline when execution of a query starts."""

    def on_execute(self) -> Iterator[None]:
        timeout = _deadline.get()
        if timeout is not None and self.execution_context.operation_type is OperationType.QUERY:
            timeout.reschedule(asyncio.get_running_loop().time() + MAX_QUERY_SECONDS)
        yield
