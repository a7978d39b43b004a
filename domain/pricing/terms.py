"""Term ranges of subscriptions and discounts: checked, compared, and ended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, scoped
from domain.billing.rows import same_school
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Role, Term
from domain.models.audit import AuditAction
from domain.validation import check_count

#: Most rows one batch call changes (all or nothing).
MAX_BATCH = 1000


async def term_range(
    caller: Caller, school_id: int, from_id: int | None, until_id: int | None
) -> tuple[Term, Term | None]:
    """The first and (optional) last term, of the school, in order."""
    first = await same_school(caller, Term, from_id, school_id, "Term", "fromTermId")
    last = None
    if until_id is not None:
        last = await same_school(caller, Term, until_id, school_id, "Term", "untilTermId")
        if last.start_date < first.start_date:
            raise DomainError(
                ErrorCode.INVALID_DATE_RANGE,
                "The last term starts before the first one.",
                ["untilTermId"],
            )
    return first, last


def overlaps(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    """Two ranges of term start dates (None: open-ended) share a term."""
    return (b[1] is None or a[0] <= b[1]) and (a[1] is None or b[0] <= a[1])


async def starts(term_ids: Sequence[int | None]) -> dict[int, date]:
    """Start date of each term id."""
    ids = sorted({t for t in term_ids if t is not None})
    rows = await Term.filter(id__in=ids).values("id", "start_date")
    return {r["id"]: r["start_date"] for r in rows}


def check_batch(problems: Problems, ids: Sequence[object], field: str, what: str) -> bool:
    return check_count(problems, ids, field, minimum=1, maximum=MAX_BATCH, what=what)


async def end_ranges(
    caller: Caller,
    model: type[Model],
    ids: Sequence[int | None],
    last_term_id: int | None,
    *,
    field: str,
    what: str,
    action: AuditAction,
) -> list[Any]:
    """FINANCE gives rows (of the caller's schools, one school) a last term, all or none,
    each audited as `action`.

    Each row must start on or before the last term and not end before it already.
    """
    rows, last = await _ended(caller, model, ids, last_term_id, field=field, what=what)
    async with in_transaction():
        for row in rows:
            await row.save(update_fields=["until_term_id"])
            await audit.record(caller, action, row, school_id=last.school_id)
    return rows


async def _ended(
    caller: Caller,
    model: type[Model],
    ids: Sequence[int | None],
    last_term_id: int | None,
    *,
    field: str,
    what: str,
) -> tuple[list[Any], Term]:
    """The rows with their new last term, checked; not saved yet."""
    problems = Problems()
    if not check_batch(problems, ids, field, what):
        problems.raise_if_any()
    wanted = sorted({pk for pk in ids if pk is not None})
    rows: dict[int, Any] = {
        r.pk: r
        for r in await scoped(caller, model, "student__school_id")
        .filter(pk__in=wanted)
        .prefetch_related("student")
    }
    schools = {r.student.school_id for r in rows.values()}
    for index, pk in enumerate(ids):
        if pk is None or pk not in rows:
            problems.add(
                ErrorCode.NOT_FOUND, f"{what.capitalize()[:-1]} not found.", field, str(index)
            )
    problems.raise_if_any()
    if len(schools) > 1:
        raise DomainError(
            ErrorCode.MISMATCHED_SCHOOL, f"All {what} must be of one school.", [field]
        )
    school_id = schools.pop()
    caller.require(Role.FINANCE, school_id)
    last = await same_school(caller, Term, last_term_id, school_id, "Term", "lastTermId")
    dates = await starts([t for r in rows.values() for t in (r.from_term_id, r.until_term_id)])
    for index, pk in enumerate(ids):
        row = rows[pk]  # type: ignore[index]  # every pk was found above
        if dates[row.from_term_id] > last.start_date:
            problems.add(
                ErrorCode.INVALID_DATE_RANGE,
                "The last term is before the first term billed.",
                field,
                str(index),
            )
        elif row.until_term_id is not None and dates[row.until_term_id] < last.start_date:
            problems.add(
                ErrorCode.INVALID_STATE, "This already ends before that term.", field, str(index)
            )
        row.until_term_id = last.id
    problems.raise_if_any()
    return [rows[pk] for pk in wanted], last


async def refuse_overlaps(
    model: type[Model],
    student_ids: Sequence[int | None],
    first: Term,
    last: Term | None,
    message: str,
    **same: int,
) -> None:
    """DUPLICATE at each student who already has a row (`same` narrows it) sharing a term
    with first..last, and at each student given twice."""
    wanted = (first.start_date, last.start_date if last else None)
    ids = [pk for pk in student_ids if pk is not None]
    existing: list[Any] = await model.filter(student_id__in=ids, **same)
    dates = await starts([t for s in existing for t in (s.from_term_id, s.until_term_id)])
    taken = {
        s.student_id
        for s in existing
        if overlaps(wanted, (dates[s.from_term_id], dates.get(s.until_term_id or 0)))
    }
    problems = Problems()
    seen: set[int | None] = set()
    for index, pk in enumerate(student_ids):
        if pk in taken or pk in seen:
            problems.add(ErrorCode.DUPLICATE, message, "studentIds", str(index))
        seen.add(pk)
    problems.raise_if_any()
