"""Billing runs on the real database: scopes, exclusions, confirm guards, generation, retry."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.billing.confirm import confirm_billing_run
from domain.billing.generation import generate_chunk
from domain.billing.preview import preview_billing_run
from domain.billing.retry import retry_billing_run
from domain.billing.runs import RunChanges, delete_billing_run, update_billing_run
from domain.billing.scope import ScopeSpec
from domain.billing.sweeper import claim_stalled_chunks
from domain.errors import DomainError, ErrorCode
from domain.models import (
    BillingRun,
    BillingRunItem,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PreviewLine,
    RunStatus,
    ScopeKind,
    Student,
    StudentStatus,
)
from domain.models.billing import ExclusionReason, PreviewStatus
from tests.billing_helpers import Recorder, bill, confirmed, new_run, populate
from tests.factories import Factory
from tests.invariants import assert_exact

GRADE1 = Decimal("16500.50")  # 12000 tuition + 4500.50 lunch, transport 0 (left off)
GRADE2 = Decimal("22500.50")  # 15000 + 4500.50 + 3000
NO_CLASS = Decimal("22500.50")  # default amounts


async def setup(factory: Factory, per_class: int = 2):
    s, admin = await factory.school_with_admin()
    await populate(factory, s, per_class)
    return s, admin


async def test_preview_prices_each_student_by_grade_and_leaves_zero_items_off(
    factory: Factory,
) -> None:
    # given
    s, admin = await setup(factory, per_class=1)
    loose = await factory.student(s.school, None)  # no class: default amounts
    run = await new_run(admin, s)
    # when
    run = await preview_billing_run(admin.caller, run.id)
    # then
    lines = {line.student_id: line.amount for line in await PreviewLine.filter(run_id=run.id)}
    assert lines[loose.id] == NO_CLASS
    assert sorted(set(lines.values())) == [GRADE1, GRADE2]
    assert run.preview_invoice_count == 5
    assert run.preview_total == 2 * GRADE1 + 2 * GRADE2 + NO_CLASS
    done = await bill(admin, run)
    grade1_student = await Student.filter(school_class_id=s.classes[0].id).first()
    invoice = await Invoice.get(student_id=grade1_student.id)
    lines = await InvoiceLine.filter(invoice_id=invoice.id).order_by("position")
    assert [(line.description, line.amount) for line in lines] == [
        ("Tuition", Decimal("12000.00")),
        ("Lunch", Decimal("4500.50")),
    ]
    assert done.status == RunStatus.COMPLETED


@pytest.mark.parametrize("kind", ["GRADE", "STREAM", "SCHOOL_CLASS", "MANUAL", "ALL_STUDENTS"])
async def test_each_scope_kind_selects_its_students(factory: Factory, kind: str) -> None:
    # given 2 grades x 2 streams, 2 students per class
    s, admin = await setup(factory, per_class=2)
    students = await Student.filter(school_id=s.school.id).order_by("id")
    scope, expected = {
        "GRADE": (ScopeSpec(ScopeKind.GRADE, grade_id=s.grades[1].id), 4 * GRADE2),
        "STREAM": (ScopeSpec(ScopeKind.STREAM, stream_id=s.streams[0].id), 2 * GRADE1 + 2 * GRADE2),
        "SCHOOL_CLASS": (ScopeSpec(ScopeKind.SCHOOL_CLASS, class_id=s.classes[0].id), 2 * GRADE1),
        "MANUAL": (
            ScopeSpec(ScopeKind.MANUAL, student_ids=[students[0].id, students[-1].id]),
            GRADE1 + GRADE2,
        ),
        "ALL_STUDENTS": (ScopeSpec(ScopeKind.ALL_STUDENTS), 4 * GRADE1 + 4 * GRADE2),
    }[kind]
    # when
    run = await preview_billing_run(admin.caller, (await new_run(admin, s, scope)).id)
    # then
    assert run.preview_total == expected
    done = await bill(admin, run)
    assert done.invoiced_amount == expected
    await assert_exact(s.school.id, [run.id])


async def test_exclusion_reasons_follow_their_precedence(factory: Factory) -> None:
    # given: a student invoiced AND inactive AND excluded by hand; one inactive and excluded;
    # one only excluded; one to bill
    s, admin = await factory.school_with_admin()
    klass = s.classes[0]
    everything = await factory.student(s.school, klass)
    inactive = await factory.student(s.school, klass, status=StudentStatus.WITHDRAWN)
    by_hand = await factory.student(s.school, klass)
    billed = await factory.student(s.school, klass)
    first = await new_run(admin, s, ScopeSpec(ScopeKind.MANUAL, student_ids=[everything.id]))
    await bill(admin, first)
    everything.status = StudentStatus.INACTIVE
    await everything.save()
    run = await new_run(admin, s)
    # when
    run = await preview_billing_run(admin.caller, run.id, [everything.id, inactive.id, by_hand.id])
    # then
    lines = {line.student_id: line for line in await PreviewLine.filter(run_id=run.id)}
    existing = await Invoice.get(student_id=everything.id)
    assert lines[everything.id].exclusion_reason == ExclusionReason.ALREADY_INVOICED
    assert lines[everything.id].existing_invoice_id == existing.id
    assert lines[inactive.id].exclusion_reason == ExclusionReason.INACTIVE
    assert lines[by_hand.id].exclusion_reason == ExclusionReason.MANUAL_OVERRIDE
    assert lines[billed.id].status == PreviewStatus.TO_BILL
    assert (run.preview_already_invoiced, run.preview_inactive, run.preview_manual) == (1, 1, 1)
    assert run.preview_invoice_count == 1


async def test_confirm_before_preview_is_preview_required(factory: Factory) -> None:
    s, admin = await setup(factory, 1)
    run = await new_run(admin, s)
    with pytest.raises(DomainError) as err:
        await confirm_billing_run(admin.caller, run.id, dispatch=Recorder())
    assert err.value.code == ErrorCode.PREVIEW_REQUIRED
    assert (await BillingRun.get(pk=run.id)).status == RunStatus.DRAFT


async def test_confirm_with_nobody_to_bill_is_nothing_to_bill(factory: Factory) -> None:
    s, admin = await setup(factory, 1)
    run = await new_run(admin, s, ScopeSpec(ScopeKind.SCHOOL_CLASS, class_id=s.classes[0].id))
    students = await Student.filter(school_class_id=s.classes[0].id).values_list("id", flat=True)
    await preview_billing_run(admin.caller, run.id, list(students))
    with pytest.raises(DomainError) as err:
        await confirm_billing_run(admin.caller, run.id, dispatch=Recorder())
    assert err.value.code == ErrorCode.NOTHING_TO_BILL
    assert await BillingRunItem.filter(run_id=run.id).count() == 0


async def test_confirm_refuses_a_stale_preview_and_writes_nothing(factory: Factory) -> None:
    # given a preview of 4 students, then a fifth enrols
    s, admin = await setup(factory, 1)
    run = await preview_billing_run(admin.caller, (await new_run(admin, s)).id)
    await factory.student(s.school, s.classes[0])
    # when / then
    with pytest.raises(DomainError) as err:
        await confirm_billing_run(
            admin.caller,
            run.id,
            dispatch=Recorder(),
            expected_invoice_count=run.preview_invoice_count,
            expected_total=run.preview_total,
        )
    assert err.value.code == ErrorCode.PREVIEW_STALE
    assert await BillingRunItem.filter(run_id=run.id).count() == 0
    assert (await BillingRun.get(pk=run.id)).status == RunStatus.DRAFT
    # and a matching expectation goes through
    fresh = await preview_billing_run(admin.caller, run.id)
    recorder = Recorder()
    confirmed = await confirm_billing_run(
        admin.caller,
        run.id,
        dispatch=recorder,
        expected_invoice_count=5,
        expected_total=fresh.preview_total,
    )
    assert confirmed.status == RunStatus.PROCESSING
    assert recorder.sent == [(run.id, 0)]


async def test_twenty_simultaneous_confirms_start_one_generation(factory: Factory) -> None:
    s, admin = await setup(factory, 2)
    run = await preview_billing_run(admin.caller, (await new_run(admin, s)).id)
    recorder = Recorder()
    results = await asyncio.gather(
        *[confirm_billing_run(admin.caller, run.id, dispatch=recorder) for _ in range(20)]
    )
    assert {r.status for r in results} == {RunStatus.PROCESSING}
    assert recorder.sent == [(run.id, 0)]
    assert await BillingRunItem.filter(run_id=run.id).count() == 8
    await recorder.drain()
    # and confirming the finished run again answers it, with whatever expectations
    again = await confirm_billing_run(
        admin.caller, run.id, dispatch=recorder, expected_invoice_count=999
    )
    assert again.status == RunStatus.COMPLETED
    assert recorder.sent == []
    assert await Invoice.filter(billing_run_id=run.id).count() == 8


async def test_overlapping_runs_never_bill_a_student_twice(factory: Factory, monkeypatch) -> None:
    # given a grade run and an all-students run confirmed together, in small chunks
    from domain.settings import get_settings

    monkeypatch.setattr(get_settings(), "billing_chunk_size", 3)
    s, admin = await setup(factory, 3)
    grade_run = await preview_billing_run(
        admin.caller,
        (await new_run(admin, s, ScopeSpec(ScopeKind.GRADE, grade_id=s.grades[0].id))).id,
    )
    all_run = await preview_billing_run(admin.caller, (await new_run(admin, s)).id)
    recorder = Recorder()
    await confirm_billing_run(admin.caller, grade_run.id, dispatch=recorder)
    await confirm_billing_run(admin.caller, all_run.id, dispatch=recorder)
    # when the chunks of both runs are processed concurrently
    await asyncio.gather(*[generate_chunk(r, c) for r, c in recorder.sent])
    # then each student holds exactly one live invoice
    counts = {}
    for inv in await Invoice.filter(school_id=s.school.id, status__not=InvoiceStatus.CANCELLED):
        counts[inv.student_id] = counts.get(inv.student_id, 0) + 1
    assert len(counts) == 12 and set(counts.values()) == {1}
    g, a = await BillingRun.get(pk=grade_run.id), await BillingRun.get(pk=all_run.id)
    assert g.items_invoiced + a.items_invoiced == 12
    assert g.items_skipped + a.items_skipped == 6
    assert {g.status, a.status} == {RunStatus.COMPLETED}
    await assert_exact(s.school.id, [g.id, a.id])


async def test_a_chunk_delivered_twice_changes_nothing_the_second_time(factory: Factory) -> None:
    s, admin = await setup(factory, 2)
    run, _ = await confirmed(admin, s)
    assert await generate_chunk(run.id, 0) is True
    before = await BillingRun.get(pk=run.id)
    assert await generate_chunk(run.id, 0) is False
    after = await BillingRun.get(pk=run.id)
    assert (after.items_invoiced, after.invoiced_amount, after.status) == (
        before.items_invoiced,
        before.invoiced_amount,
        before.status,
    )
    assert await Invoice.filter(billing_run_id=run.id).count() == 8
    await assert_exact(s.school.id, [run.id])


async def test_students_withdrawn_after_confirm_fail_and_retry_bills_them(factory: Factory) -> None:
    # given a confirmed run, two of whose students withdraw before generation
    s, admin = await setup(factory, 2)
    run, recorder = await confirmed(admin, s)
    leavers = await Student.filter(school_id=s.school.id).order_by("id").limit(2)
    for st in leavers:
        st.status = StudentStatus.WITHDRAWN
        await st.save()
    # when
    await recorder.drain()
    # then
    done = await BillingRun.get(pk=run.id)
    assert done.status == RunStatus.PARTIALLY_COMPLETED
    assert (done.items_invoiced, done.items_failed) == (6, 2)
    failed = await BillingRunItem.filter(run_id=run.id, status="FAILED").order_by("student_id")
    assert [f.student_id for f in failed] == [st.id for st in leavers]
    assert failed[0].message == (
        "Not billed: the student is WITHDRAWN now (was ACTIVE when the run was confirmed)."
    )
    # and when they come back and the run is retried, only they are billed
    for st in leavers:
        st.status = StudentStatus.ACTIVE
        await st.save()
    retried = await retry_billing_run(admin.caller, run.id, dispatch=recorder)
    assert retried.status == RunStatus.PROCESSING
    await recorder.drain()
    final = await BillingRun.get(pk=run.id)
    assert (final.status, final.items_invoiced, final.items_failed) == (RunStatus.COMPLETED, 8, 0)
    await assert_exact(s.school.id, [run.id])


async def test_a_run_where_nobody_could_be_invoiced_fails(factory: Factory) -> None:
    s, admin = await setup(factory, 1)
    run, recorder = await confirmed(admin, s)
    await Student.filter(school_id=s.school.id).update(status=StudentStatus.INACTIVE)
    await recorder.drain()
    done = await BillingRun.get(pk=run.id)
    assert (done.status, done.items_failed, done.items_invoiced) == (RunStatus.FAILED, 4, 0)


async def test_retry_is_refused_unless_partially_completed_or_failed(factory: Factory) -> None:
    s, admin = await setup(factory, 1)
    run = await bill(admin, await new_run(admin, s))
    with pytest.raises(DomainError) as err:
        await retry_billing_run(admin.caller, run.id, dispatch=Recorder())
    assert err.value.code == ErrorCode.INVALID_STATE


async def test_sweeper_reenqueues_a_stalled_run_once(factory: Factory) -> None:
    # given a confirmed run whose messages were lost
    s, admin = await setup(factory, 1)
    run, _ = await confirmed(admin, s)
    await BillingRun.filter(id=run.id).update(last_progress_at=datetime(2020, 1, 1, tzinfo=UTC))
    # when two sweepers look at the same moment
    first, second = await claim_stalled_chunks(60), await claim_stalled_chunks(60)
    # then exactly one re-enqueues, and the run completes from it
    assert first == [(run.id, 0)] and second == []
    await generate_chunk(run.id, 0)
    assert (await BillingRun.get(pk=run.id)).status == RunStatus.COMPLETED


async def test_only_draft_runs_can_be_changed_or_deleted(factory: Factory) -> None:
    s, admin = await setup(factory, 1)
    draft = await new_run(admin, s)
    await preview_billing_run(admin.caller, draft.id)
    changed = await update_billing_run(
        admin.caller, draft.id, RunChanges(due_date=date(2026, 3, 1))
    )
    assert changed.preview_generated_at is None
    assert await PreviewLine.filter(run_id=draft.id).count() == 0
    done = await bill(
        admin, await new_run(admin, s, ScopeSpec(ScopeKind.GRADE, grade_id=s.grades[0].id))
    )
    for action in (
        delete_billing_run(admin.caller, done.id),
        update_billing_run(admin.caller, done.id, RunChanges(name="x")),
    ):
        with pytest.raises(DomainError) as err:
            await action
        assert err.value.code == ErrorCode.INVALID_STATE
    assert await delete_billing_run(admin.caller, draft.id) == draft.id
    assert not await BillingRun.exists(id=draft.id)
