"""GraphQL over WebSocket (graphql-transport-ws): strict message checks, the token checked
again for every operation, a time bound on queries, and every operation logged and metered
like an HTTP request.

A malformed message closes the socket with 4400 (as the protocol says) instead of crashing
the handler (a 1006 drop), and a query that cannot be parsed answers an `error` message,
like any other request error.

The token travels once, in `connection_init`; a socket may stay open for hours. So each
`subscribe` message (a subscription, query or mutation) re-authenticates it first: once it is
revoked or expired, the socket closes with 4403 and the operation does not run. The caller is
refreshed on the way, so a changed role or grant applies to the next operation.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    SubscribeMessage,
)

from api.context import Context
from api.deadline import bounded, timeout_error
from api.request_log import log_request, operation_name
from domain.access import authenticate

#: Where the socket's token is kept (in the WebSocket's ASGI scope) for the re-checks.
TOKEN_KEY = "billing.ws_token"
#: The close code of a socket whose token is no longer valid (as for a bad connection_init).
FORBIDDEN = 4403
#: The "method" of socket operations in logs and metrics.
METHOD = "WS"
#: The status logged for an operation the client ended (a `complete`, or the socket closed).
CLIENT_CLOSED = 499
#: The status logged for a query stopped by its time limit.
TIMED_OUT = 504


def _name(payload: Any, given: str | None = None) -> str | None:
    if given:
        return given
    return operation_name(payload) if isinstance(payload, dict) else None


def _problem(message: Any) -> str | None:
    """What is wrong with the shape of a client message, or None when it can be handled."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "A message must be a JSON object with a string `type`."
    kind = message["type"]
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return f"A `{kind}` message needs a string `id`."
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "A `subscribe` payload must be an object with a string `query`."
        for key in ("variables", "extensions"):
            if not isinstance(payload.get(key), dict | None):
                return f"A `subscribe` payload's `{key}` must be an object or null."
        if not isinstance(payload.get("operationName"), str | None):
            return "A `subscribe` payload's `operationName` must be a string or null."
    return None


class BillingTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with message checks, a token check, a query
    time bound and a log per operation."""

    async def handle_message(self, message: Message) -> None:
        problem = _problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    @staticmethod
    def _get_pre_execution_close_reason(error: GraphQLError) -> str | None:
        # A syntax error (or a document over the token limit) is the request's fault, not the
        # protocol's: answer it with an `error` message and keep the socket, as for validation.
        return None

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            caller = await authenticate(self.context.request.scope.get(TOKEN_KEY))
            if caller is None:
                log_request(
                    method=METHOD,
                    path=self.context.request.url.path,
                    operation=_name(message.get("payload")),
                    status=FORBIDDEN,
                    seconds=0.0,
                )
                await self.websocket.close(code=FORBIDDEN, reason="Forbidden")
                return
            self.context.caller_ = caller
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        started = time.perf_counter()
        status = 500
        try:
            try:
                async with bounded():
                    await super().run_operation(operation)
                status = 200
            except TimeoutError:
                status = TIMED_OUT
                await operation.send_initial_errors([timeout_error()])
        except asyncio.CancelledError:
            status = CLIENT_CLOSED
            raise
        finally:
            # A subscription's line comes when it ends: its duration is how long it lasted.
            log_request(
                method=METHOD,
                path=self.context.request.url.path,
                operation=_name({"query": operation.query}, operation.operation_name),
                status=status,
                seconds=time.perf_counter() - started,
            )
