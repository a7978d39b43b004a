"""graphql-transport-ws with strict message checks: a malformed message closes the socket
with 4400 (as the protocol says) instead of crashing the handler (a 1006 drop), and a query
that cannot be parsed answers an `error` message, like any other request error."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from api.context import Context
from api.deadline import bounded, timeout_error


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
    """Strawberry's handler, refusing malformed messages before it reads them."""

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

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        try:
            async with bounded():
                await super().run_operation(operation)
        except TimeoutError:
            await operation.send_initial_errors([timeout_error()])
