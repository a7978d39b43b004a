"""Strawberry's ASGI view, held to GraphQL over HTTP: JSON bodies on every refusal, 400 for a
body that is not a JSON object, 405 for a mutation over GET, `application/graphql-response+json`
honoured, and subscriptions over WebSocket only."""

from __future__ import annotations

import json
import re
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from api.context import Context
from api.deadline import bounded, timeout_error
from api.graphiql import graphiql_page
from api.ws import TOKEN_KEY, BillingTransportWS
from domain.access import authenticate, bearer

CALLER_KEY = "billing.caller"

#: The media type of GraphQL over HTTP; a client that accepts it gets 4xx for request errors.
GRAPHQL_RESPONSE = "application/graphql-response+json"

#: Set on the request when the operation failed before execution (parse or validation).
_REQUEST_ERROR = "billing.request_error"

#: What plain HTTP may run: subscriptions need the WebSocket (graphql-transport-ws).
_BY_METHOD = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _is_text(value: object) -> bool:
    """True when every string in a decoded JSON value encodes as UTF-8 (no lone surrogate)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_text(k) and _is_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_text(v) for v in value)
    return True


def refusal(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refused request, in the same JSON shape as a GraphQL error."""
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)


def wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


class BillingGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context, WebSocket authentication and HTTP semantics."""

    graphql_transport_ws_handler_class = BillingTransportWS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as e:
            allow = {"Allow": "POST"} if e.status_code == 405 else None
            response = refusal(e.status_code, e.reason, allow)
        if wants_graphql_response(request) and response.media_type == "application/json":
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if request.scope.get(_REQUEST_ERROR) and response.status_code == 200:
                response.status_code = 400
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        return Context(request=request, response=response, caller_=request.scope.get(CALLER_KEY))

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        token = bearer(header if isinstance(header, str) else None)
        caller = await authenticate(token)
        if caller is None:
            raise ConnectionRejectionError()
        context.caller_ = caller
        context.request.scope[TOKEN_KEY] = token  # checked again before every operation
        return None

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own GraphiQL build, served from /static: no CDN, subscriptions with the token.
        return graphiql_page()

    def decode_json(self, data: str | bytes) -> object:
        """JSON whose strings are all text (over HTTP and WebSocket alike)."""
        try:
            text = data if isinstance(data, str) else data.decode()
        except UnicodeDecodeError as e:
            raise HTTPException(400, "The request body is not valid UTF-8.") from e
        value = json.loads(text)
        # Only a \uD800-\uDFFF escape can make a lone surrogate: look further only then.
        escaped = _SURROGATE_ESCAPE.search(text)
        if escaped is not None and not _is_text(value):
            message = "A string holds a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not text"
            raise json.JSONDecodeError(message, escaped.string, escaped.start())
        return value

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = self.decode_json(data)
        except json.JSONDecodeError as e:
            raise HTTPException(400, f"The request body is not JSON: {e.msg}.") from e
        if not isinstance(value, dict | list):
            raise HTTPException(
                400, "The request body, `variables` and `extensions` must be JSON objects."
            )
        return value

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = await super().parse_http_body(request)
        if isinstance(parsed, GraphQLRequestData) and not isinstance(
            parsed.operation_name, str | None
        ):
            raise HTTPException(400, "`operationName` must be a string or null.")
        return parsed

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        method = request_adapter.method
        try:
            async with bounded():
                return await self.schema.execute(
                    request_data.query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=_BY_METHOD.get(method, frozenset()),
                    operation_extensions=request_data.extensions,
                )
        except TimeoutError:
            return ExecutionResult(data=None, errors=[timeout_error()])
        except CannotGetOperationTypeError as e:
            raise HTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            if e.operation_type is OperationType.SUBSCRIPTION:
                message = "Subscriptions are served over WebSocket (graphql-transport-ws) only."
                raise HTTPException(400, message) from e
            raise HTTPException(405, "Mutations are sent with POST.") from e
        except MissingQueryError as e:
            raise HTTPException(400, "No GraphQL query found in the request.") from e

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if isinstance(result, PreExecutionError):
            # A request error: nothing was executed, so the response has no `data` entry.
            request.scope[_REQUEST_ERROR] = True
            if wants_graphql_response(request):
                processed.pop("data", None)
        return processed
