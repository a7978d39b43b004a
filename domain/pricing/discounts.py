"""Discounts and bursaries: defined once per school, granted to students over terms."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school, get_visible
from domain.billing.rows import check_students
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Discount, DiscountFeeItem, DiscountKind, FeeItem, Role, StudentDiscount
from domain.pricing.terms import check_batch, end_ranges, refuse_overlaps, term_range
from domain.validation import CENT, check_count, clean_amount, clean_text

#: Most fee items one discount may name.
MAX_DISCOUNT_ITEMS = 100


def _clean_value(problems: Problems, kind: DiscountKind, value: Decimal) -> Decimal | None:
    if kind == DiscountKind.FIXED_AMOUNT:
        return clean_amount(problems, value, "value", positive=True)
    try:
        pct = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        pct = Decimal("NaN")
    if not pct.is_finite() or pct <= 0 or pct > 100 or pct != pct.quantize(CENT):
        problems.add(
            ErrorCode.INVALID_INPUT,
            "A percentage is more than 0 and at most 100, with at most 2 decimals.",
            "value",
        )
        return None
    return pct.quantize(CENT)


async def create_discount(
    caller: Caller,
    *,
    school_id: int | None,
    name: str,
    kind: DiscountKind,
    value: Decimal,
    fee_item_ids: Sequence[int | None] = (),
    sibling_position: int | None = None,
) -> Discount:
    """FINANCE defines a discount; with a sibling position it applies by itself."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.FINANCE, school.id)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=200)
    clean_value = _clean_value(problems, kind, value)
    if sibling_position is not None and not 2 <= sibling_position <= 20:
        problems.add(
            ErrorCode.INVALID_INPUT, "A sibling position is from 2 to 20.", "siblingPosition"
        )
    items: list[int] = []
    if check_count(
        problems,
        fee_item_ids,
        "feeItemIds",
        minimum=0,
        maximum=MAX_DISCOUNT_ITEMS,
        what="fee items",
    ):
        wanted = sorted({pk for pk in fee_item_ids if pk is not None})
        found = dict(
            await FeeItem.filter(
                id__in=wanted, fee_structure__school_id__in=list(caller.school_ids)
            ).values_list("id", "fee_structure__school_id")
        )
        for index, pk in enumerate(fee_item_ids):
            if pk is None or pk not in found:
                problems.add(ErrorCode.NOT_FOUND, "Fee item not found.", "feeItemIds", str(index))
            elif found[pk] != school.id:
                problems.add(
                    ErrorCode.MISMATCHED_SCHOOL,
                    "The fee item belongs to another school.",
                    "feeItemIds",
                    str(index),
                )
        items = wanted
    problems.raise_if_any()
    async with in_transaction():
        discount = await Discount.create(
            school_id=school.id,
            name=clean_name,
            kind=kind,
            value=clean_value,
            sibling_position=sibling_position,
        )
        if items:
            await DiscountFeeItem.bulk_create(
                [DiscountFeeItem(discount_id=discount.id, fee_item_id=pk) for pk in items]
            )
        await audit.record(
            caller, audit.AuditAction.CREATED_DISCOUNT, discount, school_id=school.id
        )
    return discount


async def assign_discount(
    caller: Caller,
    *,
    discount_id: int | None,
    student_ids: Sequence[int | None],
    from_term_id: int | None,
    until_term_id: int | None = None,
    reference: str | None = None,
) -> list[StudentDiscount]:
    """FINANCE grants a discount to students; all or none, never twice for one term."""
    discount = await get_visible(caller, Discount, discount_id, "Discount", ["discountId"])
    caller.require(Role.FINANCE, discount.school_id)
    if discount.sibling_position is not None:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "A sibling discount applies by itself; it is never assigned by hand.",
            ["discountId"],
        )
    problems = Problems()
    check_batch(problems, student_ids, "studentIds", "students")
    clean_ref = clean_text(problems, reference, "reference", max_length=200, required=False)
    problems.raise_if_any()
    first, last = await term_range(caller, discount.school_id, from_term_id, until_term_id)
    await check_students(caller, list(student_ids), discount.school_id, ["studentIds"])
    await refuse_overlaps(
        StudentDiscount,
        student_ids,
        first,
        last,
        "The student already has this discount in one of these terms.",
        discount_id=discount.id,
    )
    async with in_transaction():
        rows = [
            await StudentDiscount.create(
                student_id=pk,
                discount_id=discount.id,
                from_term_id=first.id,
                until_term_id=last.id if last else None,
                reference=clean_ref,
            )
            for pk in student_ids
            if pk is not None
        ]
        for row in rows:
            await audit.record(
                caller, audit.AuditAction.ASSIGNED_DISCOUNT, row, school_id=discount.school_id
            )
    return rows


async def end_student_discounts(
    caller: Caller, *, student_discount_ids: Sequence[int | None], last_term_id: int | None
) -> list[StudentDiscount]:
    """FINANCE sets the last term a granted discount applies to."""
    return await end_ranges(
        caller,
        StudentDiscount,
        student_discount_ids,
        last_term_id,
        field="studentDiscountIds",
        what="student discounts",
        action=audit.AuditAction.ENDED_DISCOUNTS,
    )
