"""Riverside's pricing in the demo: boarders and day scholars, optional transport and lunch,
staff-child, bursary and sibling discounts, and families of siblings."""

from __future__ import annotations

import random
from decimal import Decimal

from domain.models import (
    Discount,
    DiscountFeeItem,
    DiscountKind,
    Family,
    FeeCategory,
    FeeItem,
    FeeItemCategoryAmount,
    FeeItemKind,
    FeeStructure,
    FeeSubscription,
    School,
    Student,
    StudentDiscount,
    Term,
)

#: OPTIONAL items: (name, amount, share of students subscribed from Term 1 on).
OPTIONAL_ITEMS = [
    ("Transport - Route A (Town)", "4000.00", 0.20),
    ("Transport - Route B (Estates)", "5500.00", 0.15),
    ("Lunch", "6500.00", 0.55),
]
#: Boarders pay boarding; day scholars do not (the item's own amount is 0).
BOARDING_FEE = "24000.00"
BOARDER_SHARE = 0.3
#: Families: pairs or triples of students sharing a surname, this share of all students.
FAMILY_SHARE = 0.25


async def create_riverside_pricing(school: School, rng: random.Random) -> None:
    """Categories, optional items with subscribers, discounts and families for Riverside."""
    fee = await FeeStructure.get(school_id=school.id)
    terms = await Term.filter(school_id=school.id).order_by("start_date")
    boarder = await FeeCategory.create(school=school, name="Boarder")
    day = await FeeCategory.create(school=school, name="Day scholar")
    last = await FeeItem.filter(fee_structure_id=fee.id).order_by("-position").first()
    position = (last.position if last else 0) + 1
    boarding = await FeeItem.create(
        fee_structure=fee, name="Boarding", amount=Decimal(0), position=position
    )
    await FeeItemCategoryAmount.create(
        fee_item=boarding, fee_category=boarder, amount=Decimal(BOARDING_FEE)
    )
    students = await Student.filter(school_id=school.id).order_by("id")
    for student in students:
        student.fee_category_id = boarder.id if rng.random() < BOARDER_SHARE else day.id
    await Student.bulk_update(students, fields=["fee_category_id"], batch_size=250)
    subscriptions = []
    for offset, (name, amount, share) in enumerate(OPTIONAL_ITEMS, start=1):
        item = await FeeItem.create(
            fee_structure=fee,
            name=name,
            amount=Decimal(amount),
            position=position + offset,
            kind=FeeItemKind.OPTIONAL,
        )
        # Boarders live at school: no transport for them.
        takers = [
            s
            for s in students
            if rng.random() < share
            and not (name.startswith("Transport") and s.fee_category_id == boarder.id)
        ]
        subscriptions += [
            FeeSubscription(student_id=s.id, fee_item_id=item.id, from_term_id=terms[0].id)
            for s in takers
        ]
    await FeeSubscription.bulk_create(subscriptions, batch_size=250)
    await _discounts(school, fee, students, terms[0], rng)
    await _families(school, students, rng)


async def _discounts(
    school: School, fee: FeeStructure, students: list[Student], first: Term, rng: random.Random
) -> None:
    tuition = await FeeItem.get(fee_structure_id=fee.id, name="Tuition")
    staff = await Discount.create(
        school=school, name="Staff child", kind=DiscountKind.PERCENTAGE, value=Decimal(50)
    )
    await DiscountFeeItem.create(discount=staff, fee_item=tuition)
    bursary = await Discount.create(
        school=school,
        name="County bursary",
        kind=DiscountKind.FIXED_AMOUNT,
        value=Decimal("10000.00"),
    )
    await Discount.create(
        school=school,
        name="Sibling discount",
        kind=DiscountKind.PERCENTAGE,
        value=Decimal(10),
        sibling_position=2,
    )
    picks = rng.sample(students, 24)
    await StudentDiscount.bulk_create(
        [
            StudentDiscount(student_id=s.id, discount_id=staff.id, from_term_id=first.id)
            for s in picks[:12]
        ]
        + [
            StudentDiscount(
                student_id=s.id,
                discount_id=bursary.id,
                from_term_id=first.id,
                reference=f"CB/2026/{n:03d}",
            )
            for n, s in enumerate(picks[12:], start=1)
        ]
    )


async def _families(school: School, students: list[Student], rng: random.Random) -> None:
    by_surname: dict[str, list[Student]] = {}
    for student in students:
        by_surname.setdefault(student.last_name, []).append(student)
    wanted = int(len(students) * FAMILY_SHARE)
    placed = 0
    for surname in sorted(by_surname):
        pool = by_surname[surname]
        rng.shuffle(pool)
        while len(pool) >= 2 and placed < wanted:
            size = min(len(pool), rng.choice([2, 2, 3]))
            members, pool = pool[:size], pool[size:]
            family = await Family.create(school=school, name=f"{surname} family")
            await Student.filter(id__in=[m.id for m in members]).update(family_id=family.id)
            placed += size
