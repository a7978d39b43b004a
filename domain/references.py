"""Objects an input refers to by id, checked to belong to the school being worked on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from tortoise.models import Model

from domain.access import Caller, scoped
from domain.errors import ErrorCode, Problems

M = TypeVar("M", bound=Model)

#: The pk of an id that was given but is not one of ours (malformed, or of another type).
#: No row has it, so it answers NOT_FOUND like any invisible id, and matches nothing in filters.
UNKNOWN_ID = 0


async def load_of_school(
    caller: Caller,
    model: type[M],
    pks: Sequence[int | None],
    school_id: int,
    what: str,
    problems: Problems,
    fields: Sequence[Sequence[str]],
) -> list[M | None]:
    """Referenced rows in one query, in the order given; a row that is not visible or not of
    the school adds a problem at its field and comes back as None."""
    wanted = sorted({pk for pk in pks if pk is not None})
    found: dict[int, Any] = {}
    if wanted:
        found = {row.pk: row for row in await scoped(caller, model).filter(pk__in=wanted)}
    result: list[M | None] = []
    for pk, field in zip(pks, fields, strict=True):
        row = found.get(pk) if pk is not None else None
        if row is None:
            problems.add(ErrorCode.NOT_FOUND, f"{what} not found.", *field)
            result.append(None)
        elif row.school_id != school_id:
            problems.add(
                ErrorCode.MISMATCHED_SCHOOL,
                f"The {what.lower()} belongs to another school.",
                *field,
            )
            result.append(None)
        else:
            result.append(row)
    return result
