"""Payments, cancellation and finding invoices, on a real database."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError

from domain import invoices
from domain.errors import DomainError, ErrorCode
from domain.invoice_search import InvoiceFilter, apply_filter, is_overdue, today
from domain.models import Invoice, InvoiceStatus, Payment, Role
from domain.money import payments
from tests.factories import Actor, Factory, SchoolSet

PAID_ON = date(2026, 1, 20)


async def _setup(factory: Factory) -> tuple[SchoolSet, Invoice, object]:
    account = await factory.account()
    s = await factory.school(account)
    student = await factory.student(s.school, s.classes[0])
    invoice = await factory.invoice(s, student)  # 19,500.50
    actor = await factory.actor(account, Role.FINANCE, [s.school])
    return s, invoice, actor


async def _pay(actor: object, invoice: Invoice, amount: str, **kw: object) -> Invoice:
    return await invoices.record_payment(
        actor.caller,  # type: ignore[attr-defined]
        invoice.id,
        amount=Decimal(amount),
        paid_on=kw.pop("paid_on", PAID_ON),  # type: ignore[arg-type]
        method=kw.pop("method", "Mobile money"),  # type: ignore[arg-type]
        reference=kw.pop("reference", "MPESA-1"),  # type: ignore[arg-type]
    )


async def test_partial_then_full_payment_moves_status_and_amounts_exactly(
    factory: Factory,
) -> None:
    # given an invoice of 19,500.50
    _, invoice, actor = await _setup(factory)
    # when paid in three parts
    first = await _pay(actor, invoice, "0.10")
    second = await _pay(actor, invoice, "0.20")
    # then the cents add up exactly
    assert first.status == InvoiceStatus.PARTIALLY_PAID
    assert second.amount_paid == Decimal("0.30")
    last = await _pay(actor, invoice, "19500.20")
    assert last.status == InvoiceStatus.PAID
    assert last.amount_paid == Decimal("19500.50")
    assert await Payment.filter(invoice_id=invoice.id).count() == 3


async def test_payment_of_a_sent_invoice_is_partially_paid(factory: Factory) -> None:
    _, invoice, actor = await _setup(factory)
    await Invoice.filter(id=invoice.id).update(status=InvoiceStatus.SENT)
    paid = await _pay(actor, invoice, "500")
    assert paid.status == InvoiceStatus.PARTIALLY_PAID


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ("-5.00", "amount"),
        ("0", "amount"),
        ("10.005", "amount"),
        ("19500.51", "amount"),
    ],
)
async def test_bad_amounts_are_invalid_input_and_write_nothing(
    factory: Factory, amount: str, field: str
) -> None:
    _, invoice, actor = await _setup(factory)
    with pytest.raises(DomainError) as err:
        await _pay(actor, invoice, amount)
    # more than the balance is the contract's EXCEEDS_BALANCE; the rest are malformed
    over = amount == "19500.51"
    assert err.value.code == (ErrorCode.EXCEEDS_BALANCE if over else ErrorCode.INVALID_INPUT)
    assert err.value.problems[0].field == (field,)
    assert await Payment.filter(invoice_id=invoice.id).count() == 0
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.ISSUED


async def test_blank_method_and_future_date_are_invalid_input(factory: Factory) -> None:
    _, invoice, actor = await _setup(factory)
    with pytest.raises(DomainError) as err:
        await _pay(actor, invoice, "10", method="  ", paid_on=today() + timedelta(days=5))
    assert sorted(p.field for p in err.value.problems) == [("method",), ("paidOn",)]
    assert {p.code for p in err.value.problems} == {ErrorCode.INVALID_INPUT}


async def test_paying_a_cancelled_invoice_is_invalid_state(factory: Factory) -> None:
    _, invoice, actor = await _setup(factory)
    await invoices.cancel_invoice(actor.caller, invoice.id, reason="Billed twice")  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as err:
        await _pay(actor, invoice, "10")
    assert err.value.code == ErrorCode.INVALID_STATE
    assert await Payment.filter(invoice_id=invoice.id).count() == 0


async def test_paying_a_paid_invoice_is_invalid_state(factory: Factory) -> None:
    _, invoice, actor = await _setup(factory)
    await _pay(actor, invoice, "19500.50")
    with pytest.raises(DomainError) as err:
        await _pay(actor, invoice, "0.01")
    assert err.value.code == ErrorCode.INVALID_STATE


async def test_concurrent_payments_cannot_overpay(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two payments that each fit the balance but not together, and a slow worker that
    # holds the invoice a while after reading it (so that the two would interleave)
    _, invoice, actor = await _setup(factory)
    lock = payments.lock_school_money

    async def slow_lock(connection: object, school_id: int) -> None:
        await lock(connection, school_id)  # type: ignore[arg-type]
        await asyncio.sleep(0.2)

    monkeypatch.setattr(payments, "lock_school_money", slow_lock)
    # when both are recorded at once
    results = await asyncio.gather(
        *(_pay(actor, invoice, "10000.00") for _ in range(2)), return_exceptions=True
    )
    # then exactly one went through
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(errors) == 1, results
    assert errors[0].code == ErrorCode.EXCEEDS_BALANCE
    stored = await Invoice.get(id=invoice.id)
    assert stored.amount_paid == Decimal("10000.00")
    assert await Payment.filter(invoice_id=invoice.id).count() == 1


async def _refusals(actor: Actor, invoice: Invoice) -> tuple[ErrorCode, ErrorCode]:
    """The codes refusing the actor a payment of 10 and the cancelling of the invoice."""
    with pytest.raises(DomainError) as paid:
        await _pay(actor, invoice, "10")
    with pytest.raises(DomainError) as cancelled:
        await invoices.cancel_invoice(actor.caller, invoice.id, reason="No")
    return paid.value.code, cancelled.value.code


async def test_viewer_may_not_pay_or_cancel_and_nothing_changes(factory: Factory) -> None:
    s, invoice, _ = await _setup(factory)
    viewer = await factory.actor(s.school.account, Role.VIEWER, [s.school])  # type: ignore[arg-type]
    denied = ErrorCode.PERMISSION_DENIED
    assert await _refusals(viewer, invoice) == (denied, denied)
    stored = await Invoice.get(id=invoice.id)
    assert (stored.status, stored.amount_paid) == (InvoiceStatus.ISSUED, Decimal("0.00"))
    assert await Payment.filter(invoice_id=invoice.id).count() == 0


async def test_invoice_of_another_account_is_not_found(factory: Factory) -> None:
    _, invoice, _ = await _setup(factory)
    other = await factory.actor(await factory.account(), Role.ADMIN)
    assert await _refusals(other, invoice) == (ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND)
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.ISSUED


async def test_cancelling_frees_the_student_for_a_new_invoice(factory: Factory) -> None:
    # given a live invoice: a second one for the same fee and term is refused
    s, invoice, actor = await _setup(factory)
    student = await invoice.student
    with pytest.raises(IntegrityError):
        await factory.invoice(s, student)
    # when cancelled
    cancelled = await invoices.cancel_invoice(actor.caller, invoice.id, reason=" Wrong grade ")  # type: ignore[attr-defined]
    # then it records why and when, and the student may be billed again
    assert cancelled.status == InvoiceStatus.CANCELLED
    assert cancelled.cancellation_reason == "Wrong grade"
    assert cancelled.cancelled_at is not None
    again = await factory.invoice(s, student)
    assert again.status == InvoiceStatus.ISSUED


async def test_cancel_needs_a_reason_and_refuses_paid_or_cancelled_invoices(
    factory: Factory,
) -> None:
    s, invoice, actor = await _setup(factory)
    caller = actor.caller  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as err:
        await invoices.cancel_invoice(caller, invoice.id, reason=" ")
    assert (err.value.code, err.value.problems[0].field) == (ErrorCode.INVALID_INPUT, ("reason",))
    await _pay(actor, invoice, "1.00")
    with pytest.raises(DomainError) as err:
        await invoices.cancel_invoice(caller, invoice.id, reason="Too late")
    assert err.value.code == ErrorCode.INVALID_STATE
    other = await factory.invoice(s, await factory.student(s.school))
    await invoices.cancel_invoice(caller, other.id, reason="Once")
    with pytest.raises(DomainError) as err:
        await invoices.cancel_invoice(caller, other.id, reason="Twice")
    assert err.value.code == ErrorCode.INVALID_STATE
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.PARTIALLY_PAID


async def test_overdue_means_unpaid_balance_after_the_due_date(factory: Factory) -> None:
    _, invoice, actor = await _setup(factory)
    due = invoice.due_date
    assert not is_overdue(invoice, on=due)
    assert is_overdue(invoice, on=due + timedelta(days=1))
    paid = await _pay(actor, invoice, "19500.50")
    assert not is_overdue(paid, on=due + timedelta(days=1))


async def test_filters_narrow_by_each_criterion(factory: Factory) -> None:
    # given invoices across classes, grades, terms and statuses
    account = await factory.account()
    s = await factory.school(account)
    alice = await factory.student(s.school, s.classes[0], last_name="Wanjiru")
    bob = await factory.student(s.school, s.classes[2], last_name="Otieno")
    carol = await factory.student(s.school, None, last_name="Achieng")
    a = await factory.invoice(s, alice, due_date=date(2000, 1, 1))
    b = await factory.invoice(s, bob, status=InvoiceStatus.PAID, due_date=date(2000, 1, 1))
    c = await factory.invoice(s, carol, due_date=date(2999, 1, 1))

    async def ids(**kw: object) -> set[int]:
        qs = apply_filter(Invoice.filter(school_id=s.school.id), InvoiceFilter(**kw))  # type: ignore[arg-type]
        return {i.id for i in await qs}

    # then
    assert await ids() == {a.id, b.id, c.id}
    assert await ids(student_id=bob.id) == {b.id}
    assert await ids(school_class_id=s.classes[0].id) == {a.id}
    assert await ids(grade_id=s.grades[1].id) == {b.id}
    assert await ids(statuses=(InvoiceStatus.PAID, InvoiceStatus.SENT)) == {b.id}
    assert await ids(overdue=True) == {a.id}
    assert await ids(overdue=False) == {b.id, c.id}
    assert await ids(search="wanjiru") == {a.id}
    assert await ids(search=alice.admission_number.lower()) == {a.id}
    assert await ids(search=c.number) == {c.id}
    assert await ids(search=f"{bob.first_name} otien") == {b.id}
    assert await ids(search="nobody") == set()
    assert await ids(term_id=s.term.id, fee_structure_id=s.fee.id) == {a.id, b.id, c.id}
    assert await ids(term_id=0) == set()
    assert await ids(billing_run_id=0) == set()
