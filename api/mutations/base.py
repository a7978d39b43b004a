"""The one mutation mechanism (as Saleor's `BaseMutation`): payloads and domain refusals.

A payload type is declared with `@payload`, which adds its `errors` field (last, after the
payload's own fields, which default to null or empty). A mutation is declared with
`@mutation`: its resolver decodes ids, calls one domain function and returns the payload;
a `DomainError` it raises becomes that payload with `errors` and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

import strawberry
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types.field import StrawberryField

from api.errors import UserError, user_errors
from domain.errors import DomainError
from domain.updates import KEEP

P = TypeVar("P", bound=type)

ERRORS_DESCRIPTION = "What the user must fix."


@dataclass_transform(kw_only_default=True, field_specifiers=(strawberry.field, StrawberryField))
def payload(*, description: str, errors: str = ERRORS_DESCRIPTION) -> Callable[[P], P]:
    """A mutation's payload type: its own fields, then `errors: [UserError!]!` (empty on
    success; `errors` describes them when a payload says more, e.g. a row's field path)."""

    def decorate(cls: P) -> P:
        cls.__annotations__["errors"] = list[UserError]
        cls.errors = strawberry.field(  # type: ignore[attr-defined]
            default_factory=list, description=errors
        )
        return strawberry.type(cls, description=description)

    return decorate


def outcome(description: str) -> Any:
    """A payload's result: null when the mutation was refused."""
    return strawberry.field(default=None, description=description)


def outcomes(description: str) -> Any:
    """A payload's list of results: empty when the mutation was refused."""
    return strawberry.field(default_factory=list, description=description)


class DomainErrorsInPayload(FieldExtension):
    """Answers a `DomainError` of the resolver with the field's payload, carrying only errors."""

    payload_type: Any

    def apply(self, field: StrawberryField) -> None:
        self.payload_type = field.type

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            return self.payload_type(errors=user_errors(error))


def mutation(description: str, *, input: str) -> Callable[[Callable[..., Any]], Any]:
    """A mutation field taking one `input` argument (described by `input`), whose domain
    refusals become its payload's `errors`."""
    make_field = strawberry.mutation(description=description, extensions=[DomainErrorsInPayload()])

    def decorate(resolver: Callable[..., Any]) -> Any:
        field = make_field(resolver)
        arguments = [a for a in field.arguments if a.python_name == "input"]
        assert arguments, f"mutation {resolver.__name__} takes no `input` argument"
        arguments[0].description = input
        return field

    return decorate


def changed(value: Any) -> Any:
    """A field of an update input as the domain reads it: KEEP when the client left it out
    (strawberry's UNSET), else the value given (None: null)."""
    return KEEP if value is strawberry.UNSET else value


def changed_id(
    value: strawberry.ID | None, type_name: str, decode: Callable[[str | None, str], int | None]
) -> Any:
    """An id field of an update input: KEEP when left out, else decoded by `decode` (one of
    `api.ids`' helpers, which says what null and an id not ours mean)."""
    return KEEP if value is strawberry.UNSET else decode(value, type_name)
