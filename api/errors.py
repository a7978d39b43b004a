"""UserError payload entries, top-level client errors, and masking of everything else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError, located_error
from strawberry.extensions import MaskErrors
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension

from api.types.enums import serve_enum
from domain.errors import DomainError
from domain.errors import ErrorCode as DomainErrorCode

logger = logging.getLogger("billing.api")

ErrorCode = DomainErrorCode
serve_enum(
    ErrorCode,
    "ErrorCode",
    "Why a request was refused; clients branch on it.",
    {
        "NOT_FOUND": "The id does not exist, or the caller may not see it.",
        "PERMISSION_DENIED": "The caller may see the object but not do this to it.",
        "INVALID_INPUT": "A value is missing, blank, negative, too long or malformed.",
        "INVALID_DATE_RANGE": "A date range runs backwards (due date before invoice date, "
        "term end before start).",
        "MISMATCHED_SCHOOL": "Referenced objects belong to different schools.",
        "INVALID_STATE": "The object is not in a state that allows this (confirming a completed "
        "run, deleting a confirmed one, cancelling a paid invoice).",
        "PREVIEW_REQUIRED": "Confirm was asked before any preview.",
        "PREVIEW_STALE": "The count or total the client confirmed no longer matches a fresh preview.",
        "NOTHING_TO_BILL": "Nothing would be billed.",
        "DUPLICATE": "A unique value is taken (admission number, term name, email).",
        "EXCEEDS_BALANCE": "The amount is more than the invoice's balance allows "
        "(a payment or a credit note).",
    },
)


@strawberry.type(description="A failure the user can act on.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "dueDate"]; '
        "null when no single field is."
    )
    code: ErrorCode = strawberry.field(description="What went wrong, as a stable code.")
    message: str = strawberry.field(description="What went wrong, for a person.")


def user_errors(error: DomainError, prefix: tuple[str, ...] = ("input",)) -> list[UserError]:
    """The payload's `errors` for a domain refusal; fields are paths from the mutation's input."""
    return [
        UserError(
            field=[*prefix, *p.field] if p.field is not None else None,
            code=p.code,
            message=p.message,
        )
        for p in error.problems
    ]


class ClientError(GraphQLError):
    """A top-level error the client caused (e.g. `first` over 100); never masked."""

    def __init__(self, message: str, code: str = "INVALID_INPUT", **kwargs: Any) -> None:
        super().__init__(message, extensions={"code": code}, **kwargs)


def _is_client_error(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:  # parse and validation errors: the query itself is wrong
        return True
    if error.path is None:  # a variable that does not fit its type, found before any resolver
        return True
    return isinstance(original, ClientError | DomainError)


def _should_mask(error: GraphQLError) -> bool:
    if _is_client_error(error):
        return False
    logger.error(
        "unexpected error in %s",
        ".".join(map(str, error.path or [])) or "operation",
        exc_info=error.original_error,
    )
    return True


class ErrorPolicy(MaskErrors):
    """The one place errors outside payloads are shaped: a domain refusal raised by a query or
    subscription resolver is a top-level error with its message and code; bugs are masked."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._present(error) for error in errors]

    def _present(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            return GraphQLError(
                original.problems[0].message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=original,
                extensions={"code": original.code.value},
            )
        return self.anonymise_error(error) if self.should_mask_error(error) else error


class LocatedDomainErrors(FieldExtension):
    """A subscription's `DomainError` given its field's path and locations, as any field error
    has: raised while the stream is read, where graphql-core locates nothing, it would
    otherwise reach `ErrorPolicy` without them."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        return self._located(next_(source, info, **kwargs), info)

    async def _located(self, stream: Any, info: strawberry.Info) -> AsyncIterator[Any]:
        # aclosing: a client that stops listening closes the resolver's stream now, not at GC.
        async with aclosing(stream):
            try:
                async for event in stream:
                    yield event
            except DomainError as error:
                nodes, path = info._raw_info.field_nodes, info.path.as_list()
                raise located_error(error, nodes, path) from error


def subscription(description: str) -> Any:
    """A root subscription field whose domain refusals are top-level errors with a path."""
    return strawberry.subscription(description=description, extensions=[LocatedDomainErrors()])


def error_masking(debug: bool) -> MaskErrors:
    """Bugs answer "Unexpected error." with a logged trace (unless debugging)."""
    return ErrorPolicy(
        should_mask_error=(lambda e: False) if debug else _should_mask,
        error_message="Unexpected error.",
    )
