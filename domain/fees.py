"""Fee structures: what a school charges, item by item, priced per grade."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.access import Caller, get_school
from domain.errors import DomainError, ErrorCode, Problems
from domain.keys import check_key, normalise_key
from domain.models import FeeItem, FeeItemGradeAmount, FeeStructure, Grade, Role
from domain.references import load_of_school
from domain.validation import check_count, clean_amount, clean_text

#: Most items a fee structure may have (each is one line on every invoice).
MAX_ITEMS = 100
#: Most grade amounts one item may list (each grade at most once).
MAX_GRADE_AMOUNTS = 200


@dataclass(frozen=True)
class NewGradeAmount:
    """An item's amount for one grade; the id already decoded (None: not one of ours)."""

    grade_id: int | None
    amount: Decimal


@dataclass(frozen=True)
class NewFeeItem:
    """One item as given: its default amount and per-grade overrides."""

    name: str
    amount: Decimal
    grade_amounts: Sequence[NewGradeAmount] = field(default_factory=tuple)


@dataclass
class _CleanItem:
    name: str
    amount: Decimal
    grade_amounts: list[tuple[int, Decimal]]


def _clean_item(problems: Problems, item: NewFeeItem, index: int) -> _CleanItem | None:
    """The checked item, or None with its problems recorded (grade ids are checked apart)."""
    at = ("items", str(index))
    before = len(problems.items)
    name = clean_text(problems, item.name, *at, "name", max_length=200)
    amount = clean_amount(problems, item.amount, *at, "amount")
    overrides: list[tuple[int, Decimal]] = []
    given = item.grade_amounts
    if check_count(
        problems, given, *at, "gradeAmounts", minimum=0, maximum=MAX_GRADE_AMOUNTS, what="grades"
    ):
        seen: set[int] = set()
        for j, override in enumerate(given):
            where = (*at, "gradeAmounts", str(j))
            value = clean_amount(problems, override.amount, *where, "amount")
            if override.grade_id is not None and override.grade_id in seen:
                problems.add(
                    ErrorCode.INVALID_INPUT,
                    "This grade already has an amount in this item.",
                    *where,
                    "gradeId",
                )
            elif override.grade_id is not None:
                seen.add(override.grade_id)
                if value is not None:
                    overrides.append((override.grade_id, value))
    if len(problems.items) > before:
        return None
    assert name is not None and amount is not None
    return _CleanItem(name=name, amount=amount, grade_amounts=overrides)


async def create_fee_structure(
    caller: Caller, *, school_id: int | None, name: str, items: Sequence[NewFeeItem]
) -> FeeStructure:
    """A named list of fee items with per-grade amounts, all stored at once or not at all."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.FINANCE, school.id)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=200)
    check_key(problems, clean_name, "name")
    clean_items: list[_CleanItem | None] = []
    if check_count(problems, items, "items", minimum=1, maximum=MAX_ITEMS, what="fee items"):
        clean_items = [_clean_item(problems, item, i) for i, item in enumerate(items)]
        refs = [
            (i, j, ga.grade_id)
            for i, item in enumerate(items)
            if len(item.grade_amounts) <= MAX_GRADE_AMOUNTS
            for j, ga in enumerate(item.grade_amounts)
        ]
        await load_of_school(
            caller,
            Grade,
            [pk for _, _, pk in refs],
            school.id,
            "Grade",
            problems,
            [("items", str(i), "gradeAmounts", str(j), "gradeId") for i, j, _ in refs],
        )
    problems.raise_if_any()
    assert clean_name is not None
    duplicate = DomainError(
        ErrorCode.DUPLICATE, "A fee structure with this name exists in the school.", ["name"]
    )
    if await FeeStructure.filter(school_id=school.id, name_key=normalise_key(clean_name)).exists():
        raise duplicate
    try:
        async with in_transaction():
            structure = await FeeStructure.create(school_id=school.id, name=clean_name)
            overrides: list[FeeItemGradeAmount] = []
            for position, item in enumerate(clean_items):
                assert item is not None
                row = await FeeItem.create(
                    fee_structure_id=structure.id,
                    name=item.name,
                    amount=item.amount,
                    position=position,
                )
                overrides.extend(
                    FeeItemGradeAmount(fee_item_id=row.id, grade_id=grade_id, amount=amount)
                    for grade_id, amount in item.grade_amounts
                )
            if overrides:
                await FeeItemGradeAmount.bulk_create(overrides)
    except IntegrityError as exc:  # a concurrent call took the name first
        raise duplicate from exc
    return structure
