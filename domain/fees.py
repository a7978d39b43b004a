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
from domain.models import (
    FeeCategory,
    FeeItem,
    FeeItemCategoryAmount,
    FeeItemGradeAmount,
    FeeItemKind,
    FeeStructure,
    Grade,
    Role,
)
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
class NewOverride:
    """An item's amount for a grade, a fee category or both (ids decoded; None: not given)."""

    grade_id: int | None
    fee_category_id: int | None
    amount: Decimal
    given_grade: bool = False  # an id was given (None then means: not one of ours)
    given_category: bool = False


@dataclass(frozen=True)
class NewFeeItem:
    """One item as given: its default amount, kind and overrides."""

    name: str
    amount: Decimal
    grade_amounts: Sequence[NewGradeAmount] = field(default_factory=tuple)
    kind: FeeItemKind = FeeItemKind.MANDATORY
    overrides: Sequence[NewOverride] = field(default_factory=tuple)


@dataclass
class _CleanItem:
    name: str
    amount: Decimal
    grade_amounts: list[tuple[int, Decimal]]
    kind: FeeItemKind = FeeItemKind.MANDATORY
    category_amounts: list[tuple[int, int | None, Decimal]] = field(default_factory=list)


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
    by_category = _clean_overrides(problems, item, overrides, at)
    if len(problems.items) > before:
        return None
    assert name is not None and amount is not None
    return _CleanItem(name, amount, overrides, item.kind, by_category)


def _clean_overrides(
    problems: Problems,
    item: NewFeeItem,
    grade_amounts: list[tuple[int, Decimal]],
    at: tuple[str, ...],
) -> list[tuple[int, int | None, Decimal]]:
    """amountOverrides: grade-only ones join grade_amounts, the rest are returned."""
    found: list[tuple[int, int | None, Decimal]] = []
    if not check_count(
        problems,
        item.overrides,
        *at,
        "amountOverrides",
        minimum=0,
        maximum=MAX_GRADE_AMOUNTS,
        what="overrides",
    ):
        return found
    seen: set[tuple[int | None, int | None]] = {(g, None) for g, _ in grade_amounts}
    for j, o in enumerate(item.overrides):
        where = (*at, "amountOverrides", str(j))
        value = clean_amount(problems, o.amount, *where, "amount")
        if not o.given_grade and not o.given_category:
            problems.add(ErrorCode.INVALID_INPUT, "Give a grade, a fee category or both.", *where)
            continue
        key = (o.grade_id, o.fee_category_id)
        if key in seen:
            problems.add(
                ErrorCode.INVALID_INPUT, "This override is given twice in this item.", *where
            )
            continue
        seen.add(key)
        if value is None:
            continue
        if o.fee_category_id is None and o.grade_id is not None and not o.given_category:
            grade_amounts.append((o.grade_id, value))
        elif o.fee_category_id is not None:
            found.append((o.fee_category_id, o.grade_id, value))
    return found


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
        await _check_override_refs(caller, items, school.id, problems)
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
                    kind=item.kind,
                )
                for category_id, grade_id, amount in item.category_amounts:
                    await FeeItemCategoryAmount.create(
                        fee_item_id=row.id,
                        fee_category_id=category_id,
                        grade_id=grade_id,
                        amount=amount,
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


async def _check_override_refs(
    caller: Caller, items: Sequence[NewFeeItem], school_id: int, problems: Problems
) -> None:
    """Every grade and fee category an override names is the school's."""
    for model, what, attr, given, name in (
        (Grade, "Grade", "grade_id", "given_grade", "gradeId"),
        (FeeCategory, "Fee category", "fee_category_id", "given_category", "feeCategoryId"),
    ):
        refs = [
            (i, j, getattr(o, attr))
            for i, item in enumerate(items)
            if len(item.overrides) <= MAX_GRADE_AMOUNTS
            for j, o in enumerate(item.overrides)
            if getattr(o, given)
        ]
        await load_of_school(
            caller,
            model,
            [pk for _, _, pk in refs],
            school_id,
            what,
            problems,
            [("items", str(i), "amountOverrides", str(j), name) for i, j, _ in refs],
        )
