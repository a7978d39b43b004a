"""Refusals of the plain HTTP routes (documents, exports), in the JSON shape of a GraphQL error.

`answers_domain_errors` is the one place a route's `DomainError` becomes a response, as
`api.mutations.base` is for mutations and `api.errors.ErrorPolicy` for queries.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.access import Caller, authenticate, bearer
from domain.errors import DomainError, ErrorCode

Route = Callable[[Request], Awaitable[Response]]
CallerRoute = Callable[[Request, Caller], Awaitable[Response]]

UNAUTHENTICATED_MESSAGE = "Missing, unknown, expired or revoked token."


def error_response(
    status: int, code: str, message: str, field: Sequence[str] | None = None
) -> Response:
    """`{"errors": [{"message", "extensions": {"code", "field"?}}]}` (`field`: the input at
    fault, as a payload's UserError says it); a 401 also names the Bearer scheme."""
    extensions: dict[str, object] = {"code": code}
    if field:
        extensions["field"] = list(field)
    body = {"errors": [{"message": message, "extensions": extensions}]}
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
            problem = error.problems[0]
            field = problem.field if status == 400 else None  # a 404 names nothing
            return error_response(status, problem.code.value, problem.message, field)

    return answered


async def request_caller(request: Request) -> Caller | None:
    """The caller of the request's bearer token; None without a good one."""
    token = bearer(request.headers.get("authorization"))
    return await authenticate(token) if token else None


def for_caller(route: CallerRoute) -> Route:
    """A route for the caller of a bearer token, as /graphql has (401 without a good one),
    with its domain refusals answered by `answers_domain_errors`."""

    @functools.wraps(route)
    async def authenticated(request: Request) -> Response:
        caller = await request_caller(request)
        if caller is None:
            return unauthenticated()
        return await route(request, caller)

    return answers_domain_errors(authenticated)
