"""Students' accounts on a real database: allocation order, credit, reversals, credit notes,
opening balances, ledgers and statements. Every test ends with the money invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import invoices
from domain.errors import DomainError, ErrorCode
from domain.models import (
    AuditEvent,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Role,
    Student,
)
from domain.money import credit_notes, ledger, opening, payments
from tests.factories import Actor, Factory, SchoolSet
from tests.invariants import assert_money_exact

D = Decimal
PAID_ON = date(2026, 3, 1)


async def _school(factory: Factory) -> tuple[SchoolSet, Student, Actor]:
    account = await factory.account()
    s = await factory.school(account)
    student = await factory.student(s.school, s.classes[0])
    actor = await factory.actor(account, Role.FINANCE, [s.school])
    return s, student, actor


async def _invoice(
    factory: Factory, s: SchoolSet, student: Student, amount: str, due: date, number: str
) -> Invoice:
    term = await s.term.__class__.create(
        school=s.school, name=f"T {number}", start_date=date(2025, 1, 1), end_date=date(2025, 2, 1)
    )
    invoice = await factory.invoice(
        s,
        student,
        lines=[("Tuition", D(amount))],
        due_date=due,
        term=term,
        invoice_date=date(2025, 1, 1),
    )
    await Invoice.filter(id=invoice.id).update(number=number)
    return await Invoice.get(id=invoice.id)


async def _receive(actor: Actor, student: Student, amount: str, **kw: object) -> Payment:
    return await payments.receive_payment(
        actor.caller,
        student.id,
        amount=D(amount),
        paid_on=kw.pop("paid_on", PAID_ON),  # type: ignore[arg-type]
        method="Bank transfer",
        reference=kw.pop("reference", None),  # type: ignore[arg-type]
        foreign=kw.pop("foreign", None),  # type: ignore[arg-type]
    )


async def test_a_payment_pays_the_opening_balance_then_invoices_by_due_date_then_number(
    factory: Factory,
) -> None:
    # given an opening debt and three invoices: two due the same day, one due earlier
    s, student, actor = await _school(factory)
    late = await _invoice(factory, s, student, "300.00", date(2026, 2, 1), "INV-2026-000009")
    same_b = await _invoice(factory, s, student, "200.00", date(2026, 1, 15), "INV-2026-000005")
    same_a = await _invoice(factory, s, student, "100.00", date(2026, 1, 15), "INV-2026-000004")
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(student.id, D("50.00"))]
    )
    # when 400.00 arrives
    payment = await _receive(actor, student, "400.00")
    # then it pays the opening 50, INV-4 100, INV-5 200 and 50 of INV-9, nothing left
    parts = await PaymentAllocation.filter(payment_id=payment.id).order_by("id")
    assert [(p.invoice_id, p.amount) for p in parts] == [
        (None, D("50.00")),
        (same_a.id, D("100.00")),
        (same_b.id, D("200.00")),
        (late.id, D("50.00")),
    ]
    assert payment.unallocated_amount == D("0.00")
    assert payment.receipt_number == "RCT-2026-000001"
    statuses = [(await Invoice.get(id=i.id)).status for i in (same_a, same_b, late)]
    assert statuses == [InvoiceStatus.PAID, InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID]
    # and 300 more pays the rest, 50 stays as credit
    more = await _receive(actor, student, "300.00")
    assert more.receipt_number == "RCT-2026-000002"
    assert more.unallocated_amount == D("50.00")
    account = await ledger.student_ledger(student)
    assert (account.balance, account.unallocated_credit) == (D("-50.00"), D("50.00"))
    assert await AuditEvent.filter(action="RECEIVED_PAYMENT").count() == 2
    await assert_money_exact()


async def test_reversal_removes_allocations_and_other_credit_pays_again(factory: Factory) -> None:
    # given two invoices and two payments: the first pays INV-1, the second INV-2 and leaves credit
    s, student, actor = await _school(factory)
    one = await _invoice(factory, s, student, "100.00", date(2026, 1, 1), "INV-2026-000001")
    two = await _invoice(factory, s, student, "100.00", date(2026, 2, 1), "INV-2026-000002")
    first = await _receive(actor, student, "100.00")
    second = await _receive(actor, student, "150.00")
    # when the first is reversed
    reversed_ = await payments.reverse_payment(actor.caller, first.id, reason="Cheque bounced")
    # then its allocation is gone and the second payment's credit pays INV-1 again
    assert reversed_.reversed_at is not None and reversed_.reversal_reason == "Cheque bounced"
    assert await PaymentAllocation.filter(payment_id=first.id).count() == 0
    one_now, two_now = await Invoice.get(id=one.id), await Invoice.get(id=two.id)
    assert (one_now.status, one_now.amount_paid) == (InvoiceStatus.PARTIALLY_PAID, D("50.00"))
    assert (two_now.status, two_now.amount_paid) == (InvoiceStatus.PAID, D("100.00"))
    assert (await Payment.get(id=second.id)).unallocated_amount == D("0.00")
    # and the ledger shows the payment and its reversal
    kinds = [e.kind.value for e in (await ledger.student_ledger(student)).entries]
    assert kinds.count("PAYMENT_REVERSAL") == 1 and kinds.count("PAYMENT") == 2
    assert (await ledger.student_ledger(student)).balance == D("50.00")
    # and reversing twice is refused
    with pytest.raises(DomainError) as err:
        await payments.reverse_payment(actor.caller, first.id, reason="Again")
    assert err.value.code == ErrorCode.INVALID_STATE
    await assert_money_exact()


async def test_credit_notes_reduce_the_balance_and_a_full_one_cancels(factory: Factory) -> None:
    s, student, actor = await _school(factory)
    invoice = await _invoice(factory, s, student, "1000.00", date(2026, 2, 1), "INV-2026-000001")
    # a partial note leaves the invoice ISSUED with less to pay
    note = await credit_notes.issue_credit_note(
        actor.caller,
        invoice.id,
        amount=D("200.00"),
        reason="Sibling bursary",
        issued_on=date(2026, 1, 10),
    )
    assert note.number == "CN-2026-000001"
    row = await Invoice.get(id=invoice.id)
    assert (row.status, row.credited_amount) == (InvoiceStatus.ISSUED, D("200.00"))
    # more than the balance is EXCEEDS_BALANCE and writes nothing
    with pytest.raises(DomainError) as err:
        await credit_notes.issue_credit_note(
            actor.caller, invoice.id, amount=D("800.01"), reason="Too much"
        )
    assert (err.value.code, err.value.problems[0].field) == (ErrorCode.EXCEEDS_BALANCE, ("amount",))
    assert await CreditNote.all().count() == 1
    # the rest of the balance, with nothing paid, cancels it
    await credit_notes.issue_credit_note(
        actor.caller, invoice.id, amount=D("800.00"), reason="Left the school"
    )
    row = await Invoice.get(id=invoice.id)
    assert (row.status, row.cancellation_reason) == (InvoiceStatus.CANCELLED, "Left the school")
    assert row.cancelled_at is not None
    await assert_money_exact()


async def test_a_note_for_the_rest_of_a_partly_paid_invoice_makes_it_paid(
    factory: Factory,
) -> None:
    s, student, actor = await _school(factory)
    invoice = await _invoice(factory, s, student, "1000.00", date(2026, 2, 1), "INV-2026-000001")
    await invoices.record_payment(
        actor.caller, invoice.id, amount=D("600.00"), paid_on=PAID_ON, method="Cash"
    )
    await credit_notes.issue_credit_note(
        actor.caller, invoice.id, amount=D("400.00"), reason="Waiver"
    )
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.PAID
    await assert_money_exact()


async def test_cancel_invoice_issues_a_credit_note_for_its_balance(factory: Factory) -> None:
    s, student, actor = await _school(factory)
    invoice = await _invoice(factory, s, student, "1000.00", date(2026, 2, 1), "INV-2026-000001")
    await invoices.cancel_invoice(actor.caller, invoice.id, reason="Billed by mistake")
    notes = await CreditNote.filter(invoice_id=invoice.id)
    assert [(n.amount, n.reason) for n in notes] == [(D("1000.00"), "Billed by mistake")]
    entries = (await ledger.student_ledger(student)).entries
    assert [e.kind.value for e in entries] == ["INVOICE", "CREDIT_NOTE"]
    assert entries[-1].balance == D("0.00")
    await assert_money_exact()


async def test_a_negative_opening_balance_is_credit_that_pays_invoices(factory: Factory) -> None:
    s, student, actor = await _school(factory)
    invoice = await _invoice(factory, s, student, "300.00", date(2026, 2, 1), "INV-2026-000001")
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(student.id, D("-120.00"))]
    )
    parts = await PaymentAllocation.filter(student_id=student.id)
    assert [(p.payment_id, p.invoice_id, p.amount) for p in parts] == [
        (None, invoice.id, D("120.00"))
    ]
    # replacing it with a debt gives the invoice its balance back, then a payment pays both
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(student.id, D("80.00"))]
    )
    assert (await Invoice.get(id=invoice.id)).amount_paid == D("0.00")
    await _receive(actor, student, "100.00")
    account = await ledger.student_ledger(student)
    assert (account.balance, account.opening_balance) == (D("280.00"), D("80.00"))
    await assert_money_exact()


async def test_opening_balances_are_all_or_none(factory: Factory) -> None:
    s, student, actor = await _school(factory)
    other_school = await factory.school(s.school.account)  # type: ignore[arg-type]
    stranger = await factory.student(other_school.school)
    with pytest.raises(DomainError) as err:
        await opening.set_opening_balances(
            actor.caller,
            s.school.id,
            date(2025, 12, 31),
            [
                opening.OpeningIn(student.id, D("10.00")),
                opening.OpeningIn(stranger.id, D("10.00")),
                opening.OpeningIn(student.id, D("1.001")),
            ],
        )
    problems = {(p.code, p.field) for p in err.value.problems}
    assert problems == {
        (ErrorCode.NOT_FOUND, ("balances", "1", "studentId")),
        (ErrorCode.DUPLICATE, ("balances", "2", "studentId")),
        (ErrorCode.INVALID_INPUT, ("balances", "2", "amount")),
    }
    viewer = await factory.actor(s.school.account, Role.VIEWER, [s.school])  # type: ignore[arg-type]
    with pytest.raises(DomainError) as err:
        await opening.set_opening_balances(
            viewer.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(student.id, D("1"))]
        )
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert await PaymentAllocation.all().count() == 0
    from domain.models import OpeningBalance

    assert await OpeningBalance.all().count() == 0


async def test_a_foreign_payment_must_equal_amount_times_rate(factory: Factory) -> None:
    _, student, actor = await _school(factory)
    rate = D("0.0372")
    with pytest.raises(DomainError) as err:
        await _receive(actor, student, "100.00", foreign=payments.Foreign(D("2700"), "ZWG", rate))
    assert (err.value.code, err.value.problems[0].field) == (ErrorCode.INVALID_INPUT, ("amount",))
    ok = await _receive(actor, student, "100.44", foreign=payments.Foreign(D("2700"), "ZWG", rate))
    assert (ok.received_amount, ok.received_currency, ok.exchange_rate) == (
        D("2700.00"),
        "ZWG",
        rate,
    )
    await assert_money_exact()


async def test_statement_totals_and_opening_balance(factory: Factory) -> None:
    s, student, actor = await _school(factory)
    jan = await _invoice(factory, s, student, "500.00", date(2026, 1, 20), "INV-2026-000001")
    await Invoice.filter(id=jan.id).update(invoice_date=date(2026, 1, 5))
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(student.id, D("70.00"))]
    )
    await _receive(actor, student, "100.00", paid_on=date(2026, 1, 10))
    await credit_notes.issue_credit_note(
        actor.caller, jan.id, amount=D("20.00"), reason="Discount", issued_on=date(2026, 2, 2)
    )
    late = await _receive(actor, student, "50.00", paid_on=date(2026, 2, 3))
    await payments.reverse_payment(actor.caller, late.id, reason="Mistake")
    account = await ledger.student_ledger(student)
    st = ledger.statement(account, date(2026, 1, 1), date(2026, 12, 31))
    assert st.opening_balance == D("70.00")
    assert (st.total_invoiced, st.total_credited) == (D("500.00"), D("20.00"))
    assert st.total_paid == D("100.00")  # 150 paid less the 50 reversed
    assert st.closing_balance == account.balance == D("450.00")
    with pytest.raises(DomainError) as err:
        ledger.statement(account, date(2026, 2, 1), date(2026, 1, 1))
    assert err.value.code == ErrorCode.INVALID_DATE_RANGE
    await assert_money_exact()


async def test_record_payment_goes_to_its_invoice_only(factory: Factory) -> None:
    s, student, actor = await _school(factory)
    older = await _invoice(factory, s, student, "100.00", date(2026, 1, 1), "INV-2026-000001")
    newer = await _invoice(factory, s, student, "100.00", date(2026, 2, 1), "INV-2026-000002")
    await invoices.record_payment(
        actor.caller, newer.id, amount=D("40.00"), paid_on=PAID_ON, method="Cash"
    )
    assert (await Invoice.get(id=older.id)).amount_paid == D("0.00")
    assert (await Invoice.get(id=newer.id)).amount_paid == D("40.00")
    payment = await Payment.get(invoice_id=newer.id)
    assert (payment.student_id, payment.unallocated_amount) == (student.id, D("0.00"))
    await assert_money_exact()
