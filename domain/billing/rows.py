"""Finding, checking and locking the rows every billing service works on."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from tortoise.models import Model

from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import (
    BillingRun,
    BillingRunItem,
    ItemStatus,
    PreviewCharge,
    PreviewLine,
    RunStatus,
    Student,
)

M = TypeVar("M", bound=Model)


async def same_school(
    caller: Caller, model: type[M], pk: int | None, school_id: int, what: str, *path: str
) -> M:
    """A referenced object: NOT_FOUND when invisible, MISMATCHED_SCHOOL when of another school."""
    obj: Any = await get_visible(caller, model, pk, what, path)
    if obj.school_id != school_id:
        raise DomainError(
            ErrorCode.MISMATCHED_SCHOOL, f"The {what.lower()} belongs to another school.", path
        )
    return obj  # type: ignore[no-any-return]


async def get_run(
    caller: Caller, run_id: int | None, path: tuple[str, ...] = ("billingRunId",)
) -> BillingRun:
    """A run the caller may see (NOT_FOUND otherwise)."""
    return await get_visible(caller, BillingRun, run_id, "Billing run", path)


def require_draft(run: BillingRun, action: str) -> None:
    if run.status != RunStatus.DRAFT:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"Only a DRAFT run can be {action}; this one is {run.status}."
        )


async def lock_run(run_id: int) -> BillingRun:
    """The run row, locked until the transaction ends (PostgreSQL; SQLite serialises writers).

    A run deleted since the caller read it (a confirm racing a delete) is NOT_FOUND.
    """
    run = await BillingRun.select_for_update().get_or_none(pk=run_id)
    if run is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Billing run not found.")
    return run


async def drop_preview(run: BillingRun) -> None:
    await PreviewLine.filter(run_id=run.id).delete()
    await PreviewCharge.filter(run_id=run.id).delete()
    run.preview_generated_at = None
    run.preview_invoice_count = run.preview_already_invoiced = 0
    run.preview_inactive = run.preview_manual = run.preview_no_charges = 0
    run.preview_total = run.preview_gross = run.preview_discount = 0  # type: ignore[assignment]


async def chunks_with(run_id: int, status: ItemStatus) -> list[int]:
    """The chunk numbers of a run that hold items of a status."""
    values = cast(
        list[int],
        await BillingRunItem.filter(run_id=run_id, status=status)
        .distinct()
        .values_list("chunk", flat=True),
    )
    return sorted({int(v) for v in values})


async def check_students(
    caller: Caller, ids: list[int | None], school_id: int, path: list[str]
) -> list[int]:
    """Distinct student ids, each visible and of the school (errors name the list index)."""
    wanted = {i for i in ids if i is not None}
    rows = await Student.filter(id__in=list(wanted), school_id__in=list(caller.school_ids)).values(
        "id", "school_id"
    )
    found = {r["id"]: r["school_id"] for r in rows}
    problems = Problems()
    for index, pk in enumerate(ids):
        if pk is None or pk not in found:
            problems.add(ErrorCode.NOT_FOUND, "Student not found.", *path, str(index))
        elif found[pk] != school_id:
            problems.add(
                ErrorCode.MISMATCHED_SCHOOL,
                "The student belongs to another school.",
                *path,
                str(index),
            )
    problems.raise_if_any()
    return sorted(wanted)
