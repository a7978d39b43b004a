"""Refusals of the plain HTTP routes (documents, exports), in the JSON shape of a GraphQL error.

`answers_domain_errors` is the one place a route's `DomainError` becomes a response, as
`api.mutations.base` is for mutations and `api.errors.ErrorPolicy` for queries.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.errors import DomainError, ErrorCode

Route = Callable[[Request], Awaitable[Response]]

UNAUTHENTICATED_MESSAGE = "Missing, unknown, expired or revoked token."


def error_response(status: int, code: str, message: str) -> Response:
    """`{"errors": [{"message", "extensions": {"code"}}]}`; a 401 also names the Bearer scheme."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def unauthenticated(message: str = UNAUTHENTICATED_MESSAGE) -> Response:
    """401: no token, or one that is unknown, expired or revoked."""
    return error_response(401, "UNAUTHENTICATED", message)


def not_found(what: str) -> Response:
    """404, the same for an id that never existed and one the caller may not see."""
    return error_response(404, ErrorCode.NOT_FOUND.value, f"{what} not found.")


def answers_domain_errors(route: Route) -> Route:
    """The route with its domain refusals answered: NOT_FOUND is 404, any other code 400,
    with the first problem's message and the code."""

    @functools.wraps(route)
    async def answered(request: Request) -> Response:
        try:
            return await route(request)
        except DomainError as error:
            status = 404 if error.code == ErrorCode.NOT_FOUND else 400
            return error_response(status, error.code.value, error.problems[0].message)

    return answered
