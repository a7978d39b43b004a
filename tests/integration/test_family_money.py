"""A family's money on a real database (SQLite and PostgreSQL): a family payment spreads
over all its students' debts together, the rest is the family's credit, and the family's
ledger holds each family payment once. Every test ends with the money invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import DomainError, ErrorCode
from domain.models import Family, Invoice, InvoiceStatus, Payment, PaymentAllocation, Student
from domain.money import family as family_money
from domain.money import ledger, opening, payments
from tests.factories import Actor, Factory, SchoolSet
from tests.integration.test_accounts import _invoice, _school
from tests.invariants import assert_money_exact

D = Decimal
PAID_ON = date(2026, 3, 1)


async def _family(factory: Factory) -> tuple[SchoolSet, Family, Student, Student, Actor]:
    s, elder, actor = await _school(factory)
    younger = await factory.student(s.school, s.classes[0])
    family = await Family.create(school=s.school, name="Otieno")
    await Student.filter(id__in=[elder.id, younger.id]).update(family_id=family.id)
    return s, family, elder, younger, actor


async def _family_owing_500(factory: Factory) -> tuple[Family, Actor]:
    """Two siblings owing 250.00 each (the elder's invoice due first), and FINANCE."""
    s, family, elder, younger, actor = await _family(factory)
    await _invoice(factory, s, elder, "250.00", date(2026, 1, 1), "INV-2026-000001")
    await _invoice(factory, s, younger, "250.00", date(2026, 1, 2), "INV-2026-000002")
    return family, actor


async def _pay_family(actor: Actor, family: Family, amount: str) -> Payment:
    return await family_money.receive_family_payment(
        actor.caller, family.id, amount=D(amount), paid_on=PAID_ON, method="Cash"
    )


async def test_a_family_payment_pays_openings_first_then_all_invoices_by_due_date_then_number(
    factory: Factory,
) -> None:
    # given two siblings: an opening debt for the younger, invoices of both interleaved
    s, family, elder, younger, actor = await _family(factory)
    e_late = await _invoice(factory, s, elder, "300.00", date(2026, 2, 1), "INV-2026-000009")
    y_mid = await _invoice(factory, s, younger, "200.00", date(2026, 1, 15), "INV-2026-000005")
    e_mid = await _invoice(factory, s, elder, "100.00", date(2026, 1, 15), "INV-2026-000004")
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(younger.id, D("50.00"))]
    )
    # when 1,000.00 arrives for the family
    payment = await _pay_family(actor, family, "1000.00")
    # then: the opening 50, INV-4 100 (elder), INV-5 200 (younger), INV-9 300; 350 is credit
    parts = await PaymentAllocation.filter(payment_id=payment.id).order_by("id")
    assert [(p.student_id, p.invoice_id, p.amount) for p in parts] == [
        (younger.id, None, D("50.00")),
        (elder.id, e_mid.id, D("100.00")),
        (younger.id, y_mid.id, D("200.00")),
        (elder.id, e_late.id, D("300.00")),
    ]
    assert (payment.student_id, payment.family_id) == (None, family.id)
    assert payment.unallocated_amount == D("350.00")
    statuses = {(await Invoice.get(id=i.id)).status for i in (e_late, y_mid, e_mid)}
    assert statuses == {InvoiceStatus.PAID}
    # and each student's ledger shows only its part; the family's ledger the whole payment
    elder_ledger = await ledger.student_ledger(elder)
    younger_ledger = await ledger.student_ledger(younger)
    assert [e.credit for e in elder_ledger.entries if e.kind == "PAYMENT"] == [D("400.00")]
    assert [e.credit for e in younger_ledger.entries if e.kind == "PAYMENT"] == [D("250.00")]
    assert (elder_ledger.balance, younger_ledger.balance) == (D("0.00"), D("0.00"))
    assert elder_ledger.unallocated_credit == D("0.00")
    account = await family_money.family_ledger(family)
    assert [e.credit for e in account.entries if e.kind == "PAYMENT"] == [D("1000.00")]
    assert (account.balance, account.unallocated_credit) == (D("-350.00"), D("350.00"))
    assert account.opening_balance == D("50.00")
    await assert_money_exact()


async def test_a_partial_family_payment_leaves_the_family_owing_and_reversal_restores_it(
    factory: Factory,
) -> None:
    # given 500.00 owed by two siblings
    family, actor = await _family_owing_500(factory)
    # when 300.00 arrives for the family
    payment = await _pay_family(actor, family, "300.00")
    account = await family_money.family_ledger(family)
    # then the family owes 200.00 and has no credit
    assert (account.balance, account.unallocated_credit) == (D("200.00"), D("0.00"))
    await assert_money_exact()
    # and reversing it makes the family owe 500.00 again, the payment and reversal both listed
    await payments.reverse_payment(actor.caller, payment.id, reason="Bounced")
    account = await family_money.family_ledger(family)
    assert account.balance == D("500.00")
    assert [e.kind for e in account.entries][-2:] == ["PAYMENT", "PAYMENT_REVERSAL"]
    await assert_money_exact()


async def test_a_reversed_family_payment_stays_in_each_students_ledger_with_its_reversal(
    factory: Factory,
) -> None:
    # given 500.00 owed by two siblings, 300.00 of it paid by the family (250.00 + 50.00)
    family, actor = await _family_owing_500(factory)
    elder, younger = await Student.filter(family_id=family.id).order_by("id")
    payment = await _pay_family(actor, family, "300.00")
    # when it bounces
    await payments.reverse_payment(actor.caller, payment.id, reason="Bounced")
    # then each student's ledger still shows its part, and that part's reversal
    for student, part in ((elder, D("250.00")), (younger, D("50.00"))):
        account = await ledger.student_ledger(student)
        moves = [(e.kind, e.debit, e.credit) for e in account.entries if e.payment_id]
        assert moves == [("PAYMENT", None, part), ("PAYMENT_REVERSAL", part, None)]
        assert account.balance == D("250.00")
        period = ledger.statement(account, date(2026, 1, 1), account.entries[-1].date)
        assert (period.total_paid, period.closing_balance) == (D("0.00"), D("250.00"))
    # and the family's ledger holds the payment and its reversal once, for the whole amount
    whole = await family_money.family_ledger(family)
    moves = [(e.kind, e.debit, e.credit) for e in whole.entries if e.payment_id]
    assert moves == [("PAYMENT", None, D("300.00")), ("PAYMENT_REVERSAL", D("300.00"), None)]
    assert whole.balance == D("500.00")
    await assert_money_exact()


async def test_a_foreign_family_is_not_found_and_nothing_is_written(factory: Factory) -> None:
    # given a family of another account
    _, family, _, _, _ = await _family(factory)
    _, _, other = await _school(factory)
    # when the other account's finance user pays it
    with pytest.raises(DomainError) as caught:
        await _pay_family(other, family, "100.00")
    # then NOT_FOUND, exactly as for an id that never existed, and no payment
    assert caught.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as never:
        await family_money.receive_family_payment(
            other.caller, 987654, amount=D("1.00"), paid_on=PAID_ON, method="Cash"
        )
    assert never.value.code == ErrorCode.NOT_FOUND
    assert await Payment.all().count() == 0
    await assert_money_exact()


async def test_reversing_a_family_payment_lets_the_familys_other_credit_pay_again(
    factory: Factory,
) -> None:
    # given 500.00 owed by two siblings, paid by a first family payment; a second is all credit
    family, actor = await _family_owing_500(factory)
    first = await _pay_family(actor, family, "500.00")
    second = await _pay_family(actor, family, "300.00")
    assert second.unallocated_amount == D("300.00")
    # when the first bounces
    await payments.reverse_payment(actor.caller, first.id, reason="Bounced")
    # then the second pays the oldest 300.00 and the family owes 200.00
    assert (await Payment.get(id=second.id)).unallocated_amount == D("0.00")
    account = await family_money.family_ledger(family)
    assert (account.balance, account.unallocated_credit) == (D("200.00"), D("0.00"))
    await assert_money_exact()
