"""Billing runs meet accounts: a new invoice's previous balance, a run's money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.billing.runs import ScopeSpec
from domain.models import BillingRun, Invoice, ScopeKind, Student
from domain.money import credit_notes, opening, payments
from domain.money.receivables import run_money
from tests.billing_helpers import bill, new_run
from tests.factories import Actor, Factory, SchoolSet
from tests.invariants import assert_money_exact

D = Decimal


async def _bill(actor: Actor, s: SchoolSet, *students: Student) -> BillingRun:
    """A completed run of exactly these students (a MANUAL scope)."""
    scope = ScopeSpec(ScopeKind.MANUAL, student_ids=[st.id for st in students])
    return await bill(actor, await new_run(actor, s, scope=scope))


async def test_a_run_invoice_carries_the_students_previous_balance(factory: Factory) -> None:
    # given a student owing an opening 100 and an older invoice of 500, paid 200, credited 50
    s, actor = await factory.school_with_admin()
    student = await factory.student(s.school, s.classes[0])
    fresh = await factory.student(s.school, s.classes[0])
    older_term = await factory.older_term(s)
    older = await factory.invoice(
        s, student, lines=[("Tuition", D("500.00"))], term=older_term, due_date=date(2025, 10, 1)
    )
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 8, 31), [opening.OpeningIn(student.id, D("100.00"))]
    )
    await payments.receive_payment(
        actor.caller, student.id, amount=D("200.00"), paid_on=date(2025, 10, 2), method="Cash"
    )
    await credit_notes.issue_credit_note(actor.caller, older.id, amount=D("50.00"), reason="Waiver")
    # when a run bills both students
    run = await _bill(actor, s, student, fresh)
    # then the new invoice shows 350.00 owed before it; the other student's shows 0
    mine = await Invoice.get(billing_run_id=run.id, student_id=student.id)
    theirs = await Invoice.get(billing_run_id=run.id, student_id=fresh.id)
    assert (mine.previous_balance, theirs.previous_balance) == (D("350.00"), D("0.00"))
    # and the run's money: nothing collected yet, everything outstanding
    await payments.receive_payment(
        actor.caller, fresh.id, amount=D("1000.00"), paid_on=date(2026, 1, 6), method="Cash"
    )
    collected, outstanding = await run_money(run.id)
    assert collected == D("1000.00")
    assert collected + outstanding == D(run.invoiced_amount)
    await assert_money_exact()


async def test_a_family_payments_part_counts_in_a_siblings_previous_balance(
    factory: Factory,
) -> None:
    # given two siblings owing 500 and 300 on older invoices, a family payment of 600
    from domain.money import family as family_money

    s, actor = await factory.school_with_admin()
    family, elder, younger = await factory.siblings(s, "Achieng")
    older_term = await factory.older_term(s)
    await factory.invoice(
        s, elder, lines=[("Tuition", D("500.00"))], term=older_term, due_date=date(2025, 10, 1)
    )
    await factory.invoice(
        s, younger, lines=[("Tuition", D("300.00"))], term=older_term, due_date=date(2025, 10, 2)
    )
    await family_money.receive_family_payment(
        actor.caller, family.id, amount=D("600.00"), paid_on=date(2025, 10, 3), method="Cash"
    )
    # when a run bills both
    run = await _bill(actor, s, elder, younger)
    # then each previous balance counts the part of the family payment that student got
    mine = await Invoice.get(billing_run_id=run.id, student_id=elder.id)
    theirs = await Invoice.get(billing_run_id=run.id, student_id=younger.id)
    assert (mine.previous_balance, theirs.previous_balance) == (D("0.00"), D("200.00"))
    await assert_money_exact()


async def test_credit_pays_the_invoices_a_run_creates(factory: Factory) -> None:
    # given three students: two payments of 10,000 in credit; an opening credit of 500 and a
    # payment of 100; no credit at all
    from domain.models import Payment, PaymentAllocation

    s, actor = await factory.school_with_admin()
    rich = await factory.student(s.school, s.classes[0])
    some = await factory.student(s.school, s.classes[0])
    none = await factory.student(s.school, s.classes[0])
    first = await payments.receive_payment(
        actor.caller, rich.id, amount=D("10000.00"), paid_on=date(2025, 12, 1), method="Cash"
    )
    second = await payments.receive_payment(
        actor.caller, rich.id, amount=D("10000.00"), paid_on=date(2025, 12, 2), method="Cash"
    )
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 8, 31), [opening.OpeningIn(some.id, D("-500.00"))]
    )
    small = await payments.receive_payment(
        actor.caller, some.id, amount=D("100.00"), paid_on=date(2025, 12, 1), method="Cash"
    )
    # when a run bills all three
    run = await _bill(actor, s, rich, some, none)
    # then the rich student's invoice is PAID from the older payment first, then the newer
    mine = await Invoice.get(billing_run_id=run.id, student_id=rich.id)
    total = D(mine.total)
    assert D("10000.00") < total < D("20000.00")
    assert (mine.status, mine.amount_paid) == ("PAID", total)
    assert (await Payment.get(id=first.id)).unallocated_amount == D("0.00")
    assert (await Payment.get(id=second.id)).unallocated_amount == D("20000.00") - total
    # and the other's: the opening credit 500 first, then the payment's 100
    theirs = await Invoice.get(billing_run_id=run.id, student_id=some.id)
    parts = await PaymentAllocation.filter(invoice_id=theirs.id).order_by("id")
    assert sorted((p.payment_id or 0, p.amount) for p in parts) == [
        (0, D("500.00")),
        (small.id, D("100.00")),
    ]
    assert (theirs.status, theirs.amount_paid) == ("PARTIALLY_PAID", D("600.00"))
    assert (await Payment.get(id=small.id)).unallocated_amount == D("0.00")
    # and the third owes it all
    nothing = await Invoice.get(billing_run_id=run.id, student_id=none.id)
    assert (nothing.status, nothing.amount_paid) == ("ISSUED", D("0.00"))
    # and the run's money agrees: collected is what the credit paid
    collected, outstanding = await run_money(run.id)
    assert collected == total + D("600.00")
    assert collected + outstanding == D(run.invoiced_amount)
    assert run.items_invoiced == 3
    await assert_money_exact()


async def test_a_familys_credit_pays_its_students_run_invoices_after_their_own(
    factory: Factory,
) -> None:
    # given two siblings: the family's 20,000.00 of credit, and 1,000.00 of the elder's own
    from domain.models import Payment, PaymentAllocation
    from domain.money import family as family_money

    s, actor = await factory.school_with_admin()
    family, elder, younger = await factory.siblings(s, "Mwangi")
    together = await family_money.receive_family_payment(
        actor.caller, family.id, amount=D("20000.00"), paid_on=date(2025, 12, 1), method="Cash"
    )
    own = await payments.receive_payment(
        actor.caller, elder.id, amount=D("1000.00"), paid_on=date(2025, 12, 2), method="Cash"
    )
    assert together.unallocated_amount == D("20000.00")
    # when a run bills both
    run = await _bill(actor, s, elder, younger)
    # then the elder's own credit goes first, the family's pays the rest in number order
    invoices = sorted(await Invoice.filter(billing_run_id=run.id), key=lambda i: i.number)
    assert [i.student_id for i in invoices] == [elder.id, younger.id]
    first, second = invoices
    assert (first.status, second.status) == ("PAID", "PARTIALLY_PAID")
    assert (await Payment.get(id=own.id)).unallocated_amount == D("0.00")
    assert (await Payment.get(id=together.id)).unallocated_amount == D("0.00")
    family_parts = await PaymentAllocation.filter(payment_id=together.id)
    assert {(p.student_id, p.invoice_id) for p in family_parts} == {
        (elder.id, first.id),
        (younger.id, second.id),
    }
    assert sum((D(p.amount) for p in family_parts), D("0")) == D("20000.00")
    assert D(second.amount_paid) == D("20000.00") - (D(first.total) - D("1000.00"))
    collected, _ = await run_money(run.id)
    assert collected == D("21000.00")
    assert (await family_money.family_ledger(family)).unallocated_credit == D("0.00")
    await assert_money_exact()
