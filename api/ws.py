"""GraphQL over WebSocket (graphql-transport-ws): the token checked again for every
operation, and every operation logged and metered like an HTTP request.

The token travels once, in `connection_init`; a socket may stay open for hours. So each
`subscribe` message (a subscription, query or mutation) re-authenticates it first: once it is
revoked or expired, the socket closes with 4403 and the operation does not run. The caller is
refreshed on the way, so a changed role or grant applies to the next operation.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from api.context import Context
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


def _name(payload: Any, given: str | None = None) -> str | None:
    if given:
        return given
    return operation_name(payload) if isinstance(payload, dict) else None


class BillingTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with a token check and a log per operation."""

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
            await super().run_operation(operation)
            status = 200
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
