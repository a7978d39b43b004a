"""Setting up a school: the school itself, its terms, grades, streams and classes."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain.access import Caller, get_school
from domain.errors import DomainError, ErrorCode, Problems
from domain.keys import check_key, normalise_key
from domain.models import Grade, Role, School, SchoolClass, Stream, Term
from domain.models.keyed import KeyedModel
from domain.references import load_of_school
from domain.validation import check_date_range, clean_currency, clean_int, clean_text

M = TypeVar("M", bound=Model)

#: Who may shape a school (terms, grades, streams, classes): the contract gives FINANCE
#: students, fees, runs, invoices and payments only, so the structure is the ADMIN's.
STRUCTURE_ROLE = Role.ADMIN

#: Highest grade level accepted (a guard against typos, far above any school's last year).
MAX_GRADE_LEVEL = 100


async def create_school(caller: Caller, *, name: str, currency: str) -> School:
    """An ADMIN adds a school to the account; names are unique within the account."""
    caller.require(Role.ADMIN)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=200)
    code = clean_currency(problems, currency, "currency")
    problems.raise_if_any()
    assert clean_name is not None and code is not None
    if await School.filter(account_id=caller.account_id, name=clean_name).exists():
        raise DomainError(ErrorCode.DUPLICATE, "A school with this name exists.", ["name"])
    try:
        async with in_transaction():
            return await School.create(account_id=caller.account_id, name=clean_name, currency=code)
    except IntegrityError as exc:
        raise DomainError(ErrorCode.DUPLICATE, "A school with this name exists.", ["name"]) from exc


async def _create_named(model: type[M], what: str, school: School, name: str, **values: Any) -> M:
    """Insert a row whose name is unique within its school; a taken name is DUPLICATE."""
    duplicate = DomainError(
        ErrorCode.DUPLICATE, f"A {what} with this name exists in the school.", ["name"]
    )
    # A keyed model (terms) compares names by their key: Term 1 and TERM 1 are one name.
    same = (
        {model.KEY_FIELD: normalise_key(name)} if issubclass(model, KeyedModel) else {"name": name}
    )
    if await model.filter(school_id=school.id, **same).exists():
        raise duplicate
    try:
        async with in_transaction():
            return await model.create(school_id=school.id, name=name, **values)
    except IntegrityError as exc:  # a concurrent insert of the same name won the race
        raise duplicate from exc


async def create_term(
    caller: Caller, *, school_id: int | None, name: str, start_date: date, end_date: date
) -> Term:
    """A school term runs from its start to its end date; names are unique within the school."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(STRUCTURE_ROLE, school.id)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=100)
    check_key(problems, clean_name, "name")
    check_date_range(
        problems, start_date, end_date, "endDate", what="The term may not end before it starts."
    )
    problems.raise_if_any()
    assert clean_name is not None
    return await _create_named(
        Term, "term", school, clean_name, start_date=start_date, end_date=end_date
    )


async def create_grade(caller: Caller, *, school_id: int | None, name: str, level: int) -> Grade:
    """A grade (year group) with a level that orders it; names are unique within the school."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(STRUCTURE_ROLE, school.id)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=100)
    clean_level = clean_int(problems, level, "level", minimum=0, maximum=MAX_GRADE_LEVEL)
    problems.raise_if_any()
    assert clean_name is not None and clean_level is not None
    return await _create_named(Grade, "grade", school, clean_name, level=clean_level)


async def create_stream(caller: Caller, *, school_id: int | None, name: str) -> Stream:
    """A stream that runs across grades; names are unique within the school."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(STRUCTURE_ROLE, school.id)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=100)
    problems.raise_if_any()
    assert clean_name is not None
    return await _create_named(Stream, "stream", school, clean_name)


async def create_school_class(
    caller: Caller,
    *,
    school_id: int | None,
    grade_id: int | None,
    stream_id: int | None,
    name: str,
) -> SchoolClass:
    """A class of one grade and at most one stream, all of the same school."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(STRUCTURE_ROLE, school.id)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=100)
    (grade,) = await load_of_school(
        caller, Grade, [grade_id], school.id, "Grade", problems, [["gradeId"]]
    )
    stream = None
    if stream_id is not None:
        (stream,) = await load_of_school(
            caller, Stream, [stream_id], school.id, "Stream", problems, [["streamId"]]
        )
    problems.raise_if_any()
    assert clean_name is not None and grade is not None
    return await _create_named(
        SchoolClass, "class", school, clean_name, grade_id=grade.id, stream=stream
    )
