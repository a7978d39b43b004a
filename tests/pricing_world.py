"""Random schools for the pricing oracle test, and writing one into the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from domain.keys import normalise_key
from domain.models import (
    Discount,
    DiscountFeeItem,
    DiscountKind,
    Family,
    FeeCategory,
    FeeItem,
    FeeItemCategoryAmount,
    FeeItemGradeAmount,
    FeeItemKind,
    FeeStructure,
    FeeSubscription,
    Grade,
    Invoice,
    SchoolClass,
    Student,
    StudentDiscount,
    StudentStatus,
    Term,
)
from tests.factories import Actor, Factory
from tests.pricing_oracle import (
    FIXED_AMOUNT,
    MANDATORY,
    OPTIONAL,
    PERCENTAGE,
    DiscountSpec,
    ItemSpec,
    StudentSpec,
    World,
)

TERM_STARTS = [date(2026, 1, 5), date(2026, 5, 4), date(2026, 9, 7)]
_cents = st.integers(min_value=0, max_value=5_000_000) | st.sampled_from([0, 1, 5, 50, 99])


@st.composite
def worlds(draw: st.DrawFn) -> World:
    grades = draw(st.integers(1, 3))
    categories = draw(st.integers(0, 2))
    families = draw(st.integers(0, 2))
    grade = st.integers(0, grades - 1)
    category = st.integers(0, categories - 1) if categories else st.nothing()
    items = tuple(
        ItemSpec(
            name=f"Item {j}",
            kind=draw(st.sampled_from([MANDATORY, OPTIONAL])),
            cents=draw(_cents),
            by_grade=tuple(draw(st.dictionaries(grade, _cents, max_size=2)).items()),
            by_category=tuple(
                draw(st.dictionaries(category, _cents, max_size=2 if categories else 0)).items()
            ),
            by_both=tuple(
                (g, c, a)
                for (g, c), a in draw(
                    st.dictionaries(
                        st.tuples(grade, category), _cents, max_size=2 if categories else 0
                    )
                ).items()
            ),
        )
        for j in range(draw(st.integers(1, 4)))
    )
    n = draw(st.integers(1, 8))
    admissions = draw(
        st.lists(
            st.text(alphabet="aAbB0z-", min_size=1, max_size=4),
            min_size=n,
            max_size=n,
            # Unique as the school compares them: "a" and "A" are one admission number.
            unique_by=normalise_key,
        )
    )
    students = tuple(
        StudentSpec(
            admission=admissions[i],
            grade=draw(st.none() | grade),
            category=draw(st.none() | category) if categories else None,
            family=draw(st.none() | st.integers(0, families - 1)) if families else None,
            active=draw(st.integers(0, 5)) > 0,
            excluded=draw(st.integers(0, 9)) == 0,
            invoiced=draw(st.integers(0, 9)) == 0,
        )
        for i in range(n)
    )
    discounts = tuple(
        DiscountSpec(
            name=f"Discount {k}",
            kind=(kind := draw(st.sampled_from([PERCENTAGE, FIXED_AMOUNT]))),
            value=draw(st.integers(1, 10_000) if kind == PERCENTAGE else st.integers(1, 3_000_000)),
            items=tuple(sorted(draw(st.sets(st.integers(0, len(items) - 1), max_size=len(items))))),
            sibling_position=draw(st.none() | st.integers(2, 3)),
        )
        for k in range(draw(st.integers(0, 4)))
    )
    term_range = st.integers(0, 2).flatmap(
        lambda f: st.tuples(st.just(f), st.none() | st.integers(f, 2))
    )
    optional = [j for j, item in enumerate(items) if item.kind == OPTIONAL]
    subscriptions = tuple(
        (i, j, *draw(term_range)) for i in range(n) for j in optional if draw(st.booleans())
    )
    assignable = [k for k, d in enumerate(discounts) if d.sibling_position is None]
    grants = tuple(
        (i, k, *draw(term_range))
        for i in range(n)
        for k in assignable
        if draw(st.integers(0, 2)) == 0
    )
    return World(
        grades=grades,
        categories=categories,
        families=families,
        items=items,
        students=students,
        discounts=discounts,
        subscriptions=subscriptions,
        grants=grants,
        term=draw(st.integers(0, 2)),
    )


def money(cents: int) -> Decimal:
    return Decimal(cents) / 100


@dataclass
class Built:
    """The database rows of a world, by the world's indexes."""

    actor: Actor
    school_id: int
    term_id: int
    fee_structure_id: int
    students: list[int]
    items: list[int]
    discounts: list[int]


async def build(world: World) -> Built:
    """Write a world through the ORM (setup data; the engine under test is not used)."""
    factory = Factory()
    account = await factory.account()
    s = await factory.school(account, grades=0, streams=0)
    actor = await factory.actor(account)
    await Term.filter(id=s.term.id).delete()
    await FeeItem.filter(fee_structure_id=s.fee.id).delete()
    school = s.school
    terms = [
        await Term.create(school=school, name=f"Term {t + 1}", start_date=d, end_date=d)
        for t, d in enumerate(TERM_STARTS)
    ]
    grades = [
        await Grade.create(school=school, name=f"Grade {g + 1}", level=g + 1)
        for g in range(world.grades)
    ]
    classes = [
        await SchoolClass.create(school=school, grade=g, name=f"{g.name} class") for g in grades
    ]
    categories = [
        await FeeCategory.create(school=school, name=f"Category {c}")
        for c in range(world.categories)
    ]
    families = [
        await Family.create(school=school, name=f"Family {f}") for f in range(world.families)
    ]
    fee = await FeeStructure.get(pk=s.fee.id)
    items = []
    for j, spec in enumerate(world.items):
        item = await FeeItem.create(
            fee_structure=fee,
            name=spec.name,
            amount=money(spec.cents),
            position=j,
            kind=FeeItemKind(spec.kind),
        )
        items.append(item.id)
        for g, a in spec.by_grade:
            await FeeItemGradeAmount.create(fee_item=item, grade=grades[g], amount=money(a))
        for c, a in spec.by_category:
            await FeeItemCategoryAmount.create(
                fee_item=item, fee_category=categories[c], amount=money(a)
            )
        for g, c, a in spec.by_both:
            await FeeItemCategoryAmount.create(
                fee_item=item, fee_category=categories[c], grade=grades[g], amount=money(a)
            )
    students = []
    for i, st_ in enumerate(world.students):
        student = await Student.create(
            school=school,
            admission_number=st_.admission,
            first_name=f"First{i}",
            last_name=f"Last{i:03d}",
            status=StudentStatus.ACTIVE if st_.active else StudentStatus.INACTIVE,
            school_class=classes[st_.grade] if st_.grade is not None else None,
            fee_category=categories[st_.category] if st_.category is not None else None,
            family=families[st_.family] if st_.family is not None else None,
        )
        students.append(student.id)
        if st_.invoiced:
            await Invoice.create(
                school=school,
                student=student,
                term=terms[world.term],
                fee_structure=fee,
                number=f"OLD-{i}",
                invoice_date=TERM_STARTS[world.term],
                due_date=TERM_STARTS[world.term],
                total=Decimal("1.00"),
            )

    def span(first: int, last: int | None) -> dict[str, Term | None]:
        """A subscription's or a grant's terms, from the indexes in the world."""
        return {"from_term": terms[first], "until_term": terms[last] if last is not None else None}

    for i, j, f, u in world.subscriptions:
        await FeeSubscription.create(student_id=students[i], fee_item_id=items[j], **span(f, u))
    discounts = []
    for spec in world.discounts:
        discount = await Discount.create(
            school=school,
            name=spec.name,
            kind=DiscountKind(spec.kind),
            value=money(spec.value),
            sibling_position=spec.sibling_position,
        )
        discounts.append(discount.id)
        for j in spec.items:
            await DiscountFeeItem.create(discount=discount, fee_item_id=items[j])
    for i, k, f, u in world.grants:
        await StudentDiscount.create(student_id=students[i], discount_id=discounts[k], **span(f, u))
    return Built(actor, school.id, terms[world.term].id, fee.id, students, items, discounts)
