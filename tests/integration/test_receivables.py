"""`School.receivables` on past days: what was owed then, with what came later (payments,
credit notes, opening credit) not yet counted. Real database, both modes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.money import credit_notes, opening, payments
from domain.money.receivables import receivables
from tests.factories import Factory
from tests.integration.test_accounts import _invoice, _school
from tests.invariants import assert_money_exact

D = Decimal


async def test_a_past_day_counts_only_the_money_that_had_come_by_then(factory: Factory) -> None:
    # given A owing an opening 300.00 (as of 2025-12-31) and 500.00 due 2026-01-15,
    # paying 200.00 on 2026-02-01 (the opening's) and credited 100.00 on 2026-02-10;
    # and B owing 400.00 due 2026-01-15, with 150.00 of opening credit as of 2026-02-15
    s, a, actor = await _school(factory)
    b = await factory.student(s.school, s.classes[0])
    owed_by_a = await _invoice(factory, s, a, "500.00", date(2026, 1, 15), "INV-2026-000001")
    await _invoice(factory, s, b, "400.00", date(2026, 1, 15), "INV-2026-000002")
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(a.id, D("300.00"))]
    )
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2026, 2, 15), [opening.OpeningIn(b.id, D("-150.00"))]
    )
    await payments.receive_payment(
        actor.caller, a.id, amount=D("200.00"), paid_on=date(2026, 2, 1), method="Cash"
    )
    await credit_notes.issue_credit_note(
        actor.caller,
        owed_by_a.id,
        amount=D("100.00"),
        reason="Bursary",
        issued_on=date(2026, 2, 10),
    )

    async def owed(day: date) -> tuple[Decimal, dict[str, tuple[int, Decimal]]]:
        r = await receivables(actor.caller, s.school.id, day)
        return r.total, {b.label: (b.invoice_count, b.amount) for b in r.buckets if b.amount}

    # then before any money: everything, the opening 31 days past due
    assert await owed(date(2026, 1, 31)) == (
        D("1200.00"),
        {"1-30": (2, D("900.00")), "31-60": (1, D("300.00"))},
    )
    # and after the payment and the credit note, before B's opening credit
    assert await owed(date(2026, 2, 12)) == (
        D("900.00"),
        {"1-30": (2, D("800.00")), "31-60": (1, D("100.00"))},
    )
    # and once B's opening credit counts (its day), all of it 31-60 days past due
    assert await owed(date(2026, 2, 20)) == (D("750.00"), {"31-60": (3, D("750.00"))})
    await assert_money_exact()
