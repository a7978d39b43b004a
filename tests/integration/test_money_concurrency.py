"""Money under concurrency on real PostgreSQL: payments of one student never over-allocate,
a reversal racing a new payment leaves the ledger exact, and numbers stay gap-free."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from functools import partial

import pytest

from domain import db as dbmod
from domain.models import Invoice, Payment, PaymentAllocation, Role, Term
from domain.money import credit_notes, payments
from tests.factories import Factory
from tests.invariants import assert_money_exact

D = Decimal


@pytest.fixture(autouse=True)
def _postgres_only(db: str) -> None:
    if not dbmod.is_postgres():
        pytest.skip("row locks and parallel transactions need PostgreSQL")


async def _student_with_invoices(factory: Factory, amounts: list[str]):  # type: ignore[no-untyped-def]
    account = await factory.account()
    s = await factory.school(account)
    student = await factory.student(s.school, s.classes[0])
    actor = await factory.actor(account, Role.FINANCE, [s.school])
    invoices = []
    for n, amount in enumerate(amounts):
        term = await Term.create(
            school=s.school, name=f"T{n}", start_date=date(2025, 1, 1), end_date=date(2025, 2, 1)
        )
        invoices.append(
            await factory.invoice(
                s,
                student,
                lines=[("Tuition", D(amount))],
                term=term,
                due_date=date(2026, 1, 1 + n),
            )
        )
    return s, student, actor, invoices


async def _ten_at_once(receive: Callable[..., Awaitable[Payment]], prefix: str) -> list[Payment]:
    """Ten payments of 150.00 (M-Pesa, 2026-02-01, references prefix0..9) all at once."""
    return list(
        await asyncio.gather(
            *(
                receive(
                    amount=D("150.00"),
                    paid_on=date(2026, 2, 1),
                    method="M-Pesa",
                    reference=f"{prefix}{i}",
                )
                for i in range(10)
            )
        )
    )


async def _assert_allocated_and_credit(allocated: D, credit: D) -> None:
    """Exactly `allocated` went to debts, and `credit` stays unallocated."""
    parts = sum((D(a.amount) for a in await PaymentAllocation.all()), D("0"))
    assert parts == allocated
    left = sum((D(p.unallocated_amount) for p in await Payment.all()), D("0"))
    assert left == credit


async def test_ten_concurrent_payments_for_one_student_never_over_allocate(
    factory: Factory,
) -> None:
    # given 1,000.00 owed on three invoices
    _, student, actor, _ = await _student_with_invoices(factory, ["300.00", "300.00", "400.00"])

    # when ten payments of 150.00 arrive at once
    done = await _ten_at_once(partial(payments.receive_payment, actor.caller, student.id), "R")
    # then exactly 1,000.00 is allocated, 500.00 stays as credit, every invoice is PAID
    await _assert_allocated_and_credit(D("1000.00"), D("500.00"))
    assert {i.status for i in await Invoice.filter(student_id=student.id)} == {"PAID"}
    # and ten different receipt numbers, 1 to 10
    assert sorted(p.receipt_number for p in done) == [f"RCT-2026-{n:06d}" for n in range(1, 11)]
    await assert_money_exact()


async def test_a_reversal_racing_new_payments_and_notes_leaves_the_ledger_exact(
    factory: Factory,
) -> None:
    # given a payment that paid the first of two invoices
    _, student, actor, invoices = await _student_with_invoices(factory, ["500.00", "500.00"])
    first = await payments.receive_payment(
        actor.caller, student.id, amount=D("500.00"), paid_on=date(2026, 2, 1), method="Cash"
    )

    # when it is reversed while new payments and a credit note are recorded
    async def reverse() -> object:
        return await payments.reverse_payment(actor.caller, first.id, reason="Bounced")

    async def pay() -> object:
        return await payments.receive_payment(
            actor.caller, student.id, amount=D("300.00"), paid_on=date(2026, 2, 2), method="Cash"
        )

    async def note() -> object:
        return await credit_notes.issue_credit_note(
            actor.caller, invoices[1].id, amount=D("100.00"), reason="Bursary"
        )

    results = await asyncio.gather(reverse(), pay(), pay(), note(), return_exceptions=True)
    # then every call succeeded (an over-large note would be refused, never half-written)
    assert not [r for r in results if isinstance(r, BaseException)], results
    # and the money is exact: 1,000 invoiced, 100 credited, 600 paid and allocated
    owed = [
        D(i.total) - D(i.amount_paid) - D(i.credited_amount)
        for i in await Invoice.filter(student_id=student.id).order_by("due_date")
    ]
    assert sum(owed, D("0")) == D("300.00")
    await assert_money_exact()


async def test_ten_concurrent_payments_for_one_family_never_over_allocate(
    factory: Factory,
) -> None:
    # given two siblings owing 1,000.00 together on three invoices
    from domain.models import Family, Student
    from domain.money import family as family_money

    s, elder, actor, _ = await _student_with_invoices(factory, ["300.00", "300.00"])
    younger = await factory.student(s.school, s.classes[0])
    term = await Term.create(
        school=s.school, name="TY", start_date=date(2025, 1, 1), end_date=date(2025, 2, 1)
    )
    await factory.invoice(
        s, younger, lines=[("Tuition", D("400.00"))], term=term, due_date=date(2026, 1, 5)
    )
    family = await Family.create(school=s.school, name="Otieno")
    await Student.filter(id__in=[elder.id, younger.id]).update(family_id=family.id)

    # when ten family payments of 150.00 arrive at once
    pay = partial(family_money.receive_family_payment, actor.caller, family.id)
    done = await _ten_at_once(pay, "F")
    # then exactly 1,000.00 is allocated, 500.00 stays the family's credit, all invoices PAID
    await _assert_allocated_and_credit(D("1000.00"), D("500.00"))
    statuses = {i.status for i in await Invoice.filter(student_id__in=[elder.id, younger.id])}
    assert statuses == {"PAID"}
    assert sorted(p.receipt_number for p in done) == [f"RCT-2026-{n:06d}" for n in range(1, 11)]
    assert (await family_money.family_ledger(family)).unallocated_credit == D("500.00")
    await assert_money_exact()


async def test_payments_and_reversals_racing_a_run_never_spend_credit_twice(
    factory: Factory,
) -> None:
    # given six students, each with 20,000.00 of credit, and a confirmed run over them
    from domain.billing.scope import ScopeSpec
    from domain.models import ScopeKind
    from tests.billing_helpers import confirmed

    s, actor = await factory.school_with(Role.FINANCE)
    students = [await factory.student(s.school, s.classes[0]) for _ in range(6)]
    credits = [
        await payments.receive_payment(
            actor.caller, st.id, amount=D("20000.00"), paid_on=date(2025, 12, 1), method="Cash"
        )
        for st in students
    ]
    run, recorder = await confirmed(
        actor, s, ScopeSpec(ScopeKind.MANUAL, student_ids=[st.id for st in students])
    )

    # when the run generates while half the credits bounce and new money arrives for all
    async def reverse(p: Payment) -> None:
        await payments.reverse_payment(actor.caller, p.id, reason="Bounced")

    async def receive(i: int) -> None:
        await payments.receive_payment(
            actor.caller, students[i].id, amount=D("50.00"), paid_on=date(2026, 1, 6), method="M"
        )

    await asyncio.gather(
        recorder.drain(),
        *(reverse(p) for p in credits[:3]),
        *(receive(i) for i in range(6)),
    )
    # then no reversed payment pays anything, every invoice is covered by live money only,
    # and every payment's allocations plus its credit equal its amount
    for p in credits[:3]:
        assert await PaymentAllocation.filter(payment_id=p.id).count() == 0
    invoices = await Invoice.filter(billing_run_id=run.id)
    assert len(invoices) == 6
    for p in credits[3:]:
        mine = next(i for i in invoices if i.student_id == p.student_id)
        assert mine.status == "PAID"
    await assert_money_exact()
