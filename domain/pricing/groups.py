"""Fee categories (pricing groups) and families (siblings) of a school."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school
from domain.billing.rows import check_students
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Family, FeeCategory, Role, Student
from domain.pricing.terms import MAX_BATCH
from domain.validation import check_count, clean_text


async def create_fee_category(caller: Caller, *, school_id: int | None, name: str) -> FeeCategory:
    """FINANCE adds a pricing group; its name is unique in the school."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.FINANCE, school.id)
    problems = Problems()
    clean = clean_text(problems, name, "name", max_length=200)
    problems.raise_if_any()
    assert clean is not None
    duplicate = DomainError(
        ErrorCode.DUPLICATE, "A fee category with this name exists in the school.", ["name"]
    )
    if await FeeCategory.filter(school_id=school.id, name=clean).exists():
        raise duplicate
    try:
        async with in_transaction():
            category = await FeeCategory.create(school_id=school.id, name=clean)
            await audit.record(
                caller, audit.AuditAction.CREATED_FEE_CATEGORY, category, school_id=school.id
            )
    except IntegrityError as exc:  # a concurrent call took the name first
        raise duplicate from exc
    return category


async def create_family(
    caller: Caller,
    *,
    school_id: int | None,
    name: str,
    student_ids: Sequence[int | None] = (),
) -> Family:
    """FINANCE groups siblings; students already in a family move to this one."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.FINANCE, school.id)
    problems = Problems()
    clean = clean_text(problems, name, "name", max_length=200)
    check_count(problems, student_ids, "studentIds", minimum=0, maximum=MAX_BATCH, what="students")
    problems.raise_if_any()
    students = await check_students(caller, list(student_ids), school.id, ["studentIds"])
    async with in_transaction():
        family = await Family.create(school_id=school.id, name=clean)
        if students:
            await Student.filter(id__in=students).update(family_id=family.id)
        await audit.record(caller, audit.AuditAction.CREATED_FAMILY, family, school_id=school.id)
    return family
