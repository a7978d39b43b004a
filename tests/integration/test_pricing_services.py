"""The pricing services: what they refuse, and what a preview and a confirm make of them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.billing.confirm import confirm_billing_run
from domain.billing.preview import preview_billing_run
from domain.errors import DomainError, ErrorCode
from domain.models import (
    AuditEvent,
    BillingRunItem,
    DiscountKind,
    FeeCategory,
    FeeItem,
    FeeItemCategoryAmount,
    FeeItemGradeAmount,
    FeeItemKind,
    FeeSubscription,
    Invoice,
    InvoiceLine,
    LineKind,
    Role,
    RunLine,
    Student,
    StudentDiscount,
)
from domain.pricing import discounts, groups, subscriptions
from tests.billing_helpers import Recorder, new_run
from tests.factories import Factory
from tests.world import World, build_world


@pytest.fixture
async def world(factory: Factory) -> World:
    w = await build_world(factory, students=4)
    await FeeItem.filter(fee_structure_id=w.s.fee.id, name="Transport").update(
        kind=FeeItemKind.OPTIONAL
    )
    return w


async def _item(w: World, name: str) -> FeeItem:
    return await FeeItem.get(fee_structure_id=w.s.fee.id, name=name)


def _codes(error: DomainError) -> list[tuple[ErrorCode, tuple[str, ...] | None]]:
    return [(p.code, tuple(p.field) if p.field else None) for p in error.problems]


async def test_finance_builds_categories_families_subscriptions_and_discounts(
    world: World,
) -> None:
    # given
    caller = world.finance.caller
    students = [st.id for st in world.students]
    transport = await _item(world, "Transport")
    # when
    category = await groups.create_fee_category(caller, school_id=world.s.school.id, name="Boarder")
    family = await groups.create_family(
        caller, school_id=world.s.school.id, name="Kamau", student_ids=students[:2]
    )
    subs = await subscriptions.subscribe_students(
        caller, fee_item_id=transport.id, student_ids=students[:3], from_term_id=world.s.term.id
    )
    bursary = await discounts.create_discount(
        caller,
        school_id=world.s.school.id,
        name="Bursary",
        kind=DiscountKind.FIXED_AMOUNT,
        value=Decimal("1000.00"),
    )
    grants = await discounts.assign_discount(
        caller, discount_id=bursary.id, student_ids=students[:1], from_term_id=world.s.term.id
    )
    # then
    assert await Student.filter(family_id=family.id).count() == 2
    assert [s.student_id for s in subs] == students[:3]
    assert [g.student_id for g in grants] == students[:1]
    assert category.name == "Boarder"
    actions = await AuditEvent.all().values_list("action", flat=True)
    assert {str(a) for a in actions} >= {
        "CREATED_FEE_CATEGORY",
        "CREATED_FAMILY",
        "SUBSCRIBED_STUDENTS",
        "CREATED_DISCOUNT",
        "ASSIGNED_DISCOUNT",
    }


async def test_a_viewer_may_not_manage_pricing_and_nothing_is_written(world: World) -> None:
    caller = world.viewer.caller
    transport = await _item(world, "Transport")
    attempts = [
        groups.create_fee_category(caller, school_id=world.s.school.id, name="X"),
        groups.create_family(caller, school_id=world.s.school.id, name="X"),
        subscriptions.subscribe_students(
            caller,
            fee_item_id=transport.id,
            student_ids=[world.students[0].id],
            from_term_id=world.s.term.id,
        ),
        discounts.create_discount(
            caller,
            school_id=world.s.school.id,
            name="X",
            kind=DiscountKind.PERCENTAGE,
            value=Decimal(10),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as caught:
            await attempt
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
    assert await FeeCategory.all().count() == 0
    assert await FeeSubscription.all().count() == 0


async def test_pricing_inputs_are_refused_with_clear_codes(world: World, factory: Factory) -> None:
    caller = world.finance.caller
    beta_student = await factory.student(world.beta.school)
    sibling_student = await factory.student(world.sibling.school)
    school = world.s.school.id
    term = world.s.term.id
    students = [st.id for st in world.students]
    tuition, transport = await _item(world, "Tuition"), await _item(world, "Transport")
    refusals = {
        "percentage over 100": (
            discounts.create_discount(
                caller,
                school_id=school,
                name="X",
                kind=DiscountKind.PERCENTAGE,
                value=Decimal("100.01"),
            ),
            [(ErrorCode.INVALID_INPUT, ("value",))],
        ),
        "a MANDATORY item": (
            subscriptions.subscribe_students(
                caller, fee_item_id=tuition.id, student_ids=students, from_term_id=term
            ),
            [(ErrorCode.INVALID_INPUT, ("feeItemId",))],
        ),
        "a student of another school": (
            subscriptions.subscribe_students(
                caller,
                fee_item_id=transport.id,
                student_ids=[students[0], beta_student.id],
                from_term_id=term,
            ),
            [(ErrorCode.NOT_FOUND, ("studentIds", "1"))],
        ),
        "a student of a sibling school the ADMIN sees": (
            subscriptions.subscribe_students(
                world.owner.caller,
                fee_item_id=transport.id,
                student_ids=[sibling_student.id],
                from_term_id=term,
            ),
            [(ErrorCode.MISMATCHED_SCHOOL, ("studentIds", "0"))],
        ),
        "more than 1,000": (
            subscriptions.subscribe_students(
                caller,
                fee_item_id=transport.id,
                student_ids=[students[0]] * 1001,
                from_term_id=term,
            ),
            [(ErrorCode.INVALID_INPUT, ("studentIds",))],
        ),
    }
    for name, (attempt, expected) in refusals.items():
        with pytest.raises(DomainError) as caught:
            await attempt
        assert _codes(caught.value) == expected, name
    # overlapping subscriptions and grants are DUPLICATE, and the batch writes nothing
    await subscriptions.subscribe_students(
        caller, fee_item_id=transport.id, student_ids=students[1:2], from_term_id=term
    )
    with pytest.raises(DomainError) as caught:
        await subscriptions.subscribe_students(
            caller, fee_item_id=transport.id, student_ids=students[:2], from_term_id=term
        )
    assert _codes(caught.value) == [(ErrorCode.DUPLICATE, ("studentIds", "1"))]
    assert await FeeSubscription.all().count() == 1
    bursary = await discounts.create_discount(
        caller, school_id=school, name="B", kind=DiscountKind.FIXED_AMOUNT, value=Decimal(5)
    )
    await discounts.assign_discount(
        caller, discount_id=bursary.id, student_ids=students[:1], from_term_id=term
    )
    with pytest.raises(DomainError) as caught:
        await discounts.assign_discount(
            caller, discount_id=bursary.id, student_ids=students[:1], from_term_id=term
        )
    assert _codes(caught.value) == [(ErrorCode.DUPLICATE, ("studentIds", "0"))]
    sibling = await discounts.create_discount(
        caller,
        school_id=school,
        name="S",
        kind=DiscountKind.PERCENTAGE,
        value=Decimal(10),
        sibling_position=2,
    )
    with pytest.raises(DomainError) as caught:
        await discounts.assign_discount(
            caller, discount_id=sibling.id, student_ids=students[:1], from_term_id=term
        )
    assert _codes(caught.value) == [(ErrorCode.INVALID_INPUT, ("discountId",))]
    assert await StudentDiscount.all().count() == 1


async def _previewed(w: World) -> tuple[int, int, Decimal]:
    run = await new_run(w.owner, w.s)
    run = await preview_billing_run(w.owner.caller, run.id)
    return run.id, run.preview_invoice_count, Decimal(run.preview_total)


async def _change_subscription(w: World) -> None:
    transport = await _item(w, "Transport")
    await subscriptions.subscribe_students(
        w.finance.caller,
        fee_item_id=transport.id,
        student_ids=[w.students[2].id],
        from_term_id=w.s.term.id,
    )


async def _change_category(w: World) -> None:
    category = await groups.create_fee_category(w.finance.caller, school_id=w.s.school.id, name="C")
    tuition = await _item(w, "Tuition")
    await FeeItemCategoryAmount.create(
        fee_item_id=tuition.id, fee_category_id=category.id, amount=Decimal("99.00")
    )
    await Student.filter(id=w.students[2].id).update(fee_category_id=category.id)


async def _change_discount(w: World) -> None:
    staff = await discounts.create_discount(
        w.finance.caller,
        school_id=w.s.school.id,
        name="Staff child",
        kind=DiscountKind.PERCENTAGE,
        value=Decimal(50),
    )
    await discounts.assign_discount(
        w.finance.caller,
        discount_id=staff.id,
        student_ids=[w.students[2].id],
        from_term_id=w.s.term.id,
    )


async def _change_override(w: World) -> None:
    lunch = await _item(w, "Lunch")
    await FeeItemGradeAmount.create(fee_item_id=lunch.id, grade_id=w.s.grades[0].id, amount=0)


@pytest.mark.parametrize(
    "change", [_change_subscription, _change_category, _change_discount, _change_override]
)
async def test_any_pricing_change_after_the_preview_makes_confirm_stale(
    world: World, change: object
) -> None:
    # given a preview
    run_id, count, total = await _previewed(world)
    # when the pricing changes
    await change(world)  # type: ignore[operator]
    # then confirming what the preview showed is refused, and nothing is frozen
    with pytest.raises(DomainError) as caught:
        await confirm_billing_run(
            world.owner.caller,
            run_id,
            dispatch=Recorder(),
            expected_invoice_count=count,
            expected_total=total,
        )
    assert caught.value.code == ErrorCode.PREVIEW_STALE
    assert await RunLine.filter(run_id=run_id).count() == 0


async def test_invoices_carry_the_lines_frozen_at_confirm_whatever_changes_after(
    world: World,
) -> None:
    # given a confirmed run
    run_id, count, total = await _previewed(world)
    recorder = Recorder()
    await confirm_billing_run(
        world.owner.caller,
        run_id,
        dispatch=recorder,
        expected_invoice_count=count,
        expected_total=total,
    )
    # each student's frozen lines: those of the student confirm priced them as
    items = await BillingRunItem.filter(run_id=run_id)
    lines_of: dict[int, list[RunLine]] = {}
    for f in await RunLine.filter(run_id=run_id).order_by("position"):
        lines_of.setdefault(f.student_id, []).append(f)
    frozen = [(i.student_id, f) for i in items for f in lines_of[i.priced_as]]
    # when fees and discounts change before generation
    await _change_discount(world)
    await _change_category(world)
    await FeeItem.filter(fee_structure_id=world.s.fee.id).update(amount=Decimal("1.00"))
    await recorder.drain()
    # then the invoices hold exactly the frozen lines and totals
    lines = await InvoiceLine.filter(invoice__billing_run_id=run_id).prefetch_related("invoice")
    got = sorted(
        (line.invoice.student_id, line.position, line.kind, line.description, line.amount)
        for line in lines
    )
    assert got == sorted(
        (sid, f.position, LineKind(f.kind), f.description, f.amount) for sid, f in frozen
    )
    invoiced = await Invoice.filter(billing_run_id=run_id)
    assert sum((i.total for i in invoiced), Decimal(0)) == total
    assert len(invoiced) == count
    assert world.viewer.user.role == Role.VIEWER


async def test_a_deleted_draft_leaves_no_preview_lines_behind(world: World) -> None:
    from domain.billing.runs import delete_billing_run
    from domain.models import PreviewCharge

    # given a previewed draft
    run_id, _, _ = await _previewed(world)
    assert await PreviewCharge.filter(run_id=run_id).count() > 0
    # when
    await delete_billing_run(world.owner.caller, run_id)
    # then
    assert await PreviewCharge.filter(run_id=run_id).count() == 0


async def test_students_priced_alike_share_one_set_of_preview_lines(world: World) -> None:
    # given three students of one class, one of them given a discount
    from domain.models import PreviewCharge, PreviewLine

    same = world.students[:3]
    await Student.filter(id__in=[st.id for st in same]).update(
        school_class_id=world.s.classes[0].id
    )
    await _change_discount(world)  # students[2]
    # when
    run_id, _, _ = await _previewed(world)
    # then the two alike point at one student's lines, the discounted one at its own
    rows = {r.student_id: r for r in await PreviewLine.filter(run_id=run_id)}
    alike = {rows[st.id].priced_as for st in same[:2]}
    assert len(alike) == 1 and alike <= {same[0].id, same[1].id}
    assert rows[same[2].id].priced_as == same[2].id
    priced = {c.student_id for c in await PreviewCharge.filter(run_id=run_id)}
    assert priced == {r.priced_as for r in rows.values()}
    assert rows[same[0].id].amount == rows[same[1].id].amount != rows[same[2].id].amount
