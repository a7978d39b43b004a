"""`billing demo` on a real database: Riverside's accounts hold real money (opening
balances, a Term 1 run, M-Pesa payments matched and one waiting, a credit note, a family
payment and a reversed cheque), made once however often the demo runs, and every ledger
balances."""

from __future__ import annotations

from decimal import Decimal

from domain.demo import RIVERSIDE, fill_demo
from domain.demo_money import UNMATCHED_ACCOUNT
from domain.models import (
    BillingRun,
    CreditNote,
    Family,
    Invoice,
    MobileMoneyStatus,
    MobileMoneyTransaction,
    OpeningBalance,
    Payment,
    PaymentChannel,
    School,
)
from domain.money.family import family_ledger
from domain.money.ledger import EntryKind
from tests.invariants import assert_exact, assert_money_exact


async def test_demo_fills_riverside_accounts_once_and_every_ledger_balances(db: str) -> None:
    # given the demo, filled twice
    first = await fill_demo()
    counts = [await Payment.all().count(), await Invoice.all().count()]
    second = await fill_demo()

    # then the second run reuses the account: a new token, no money twice
    assert first != second
    assert [await Payment.all().count(), await Invoice.all().count()] == counts
    riverside = await School.get(name=RIVERSIDE.name)
    openings = [Decimal(o.amount) for o in await OpeningBalance.filter(school_id=riverside.id)]
    assert any(a > 0 for a in openings) and any(a < 0 for a in openings)
    runs = await BillingRun.filter(school_id=riverside.id)
    assert [r.status for r in runs] == ["COMPLETED"] and runs[0].items_invoiced > 20
    mpesa = await MobileMoneyTransaction.filter(school_id=riverside.id)
    matched = [t for t in mpesa if t.status == MobileMoneyStatus.MATCHED]
    waiting = [t for t in mpesa if t.status == MobileMoneyStatus.UNMATCHED]
    assert len(matched) >= 10 and all(t.payment_id is not None for t in matched)
    assert [(t.account_reference, t.payment_id) for t in waiting] == [(UNMATCHED_ACCOUNT, None)]
    payments = await Payment.filter(school_id=riverside.id)
    assert sum(p.channel == PaymentChannel.MPESA for p in payments) == len(matched)
    assert [p.method for p in payments if p.reversed_at is not None] == ["Cheque"]
    assert await CreditNote.filter(school_id=riverside.id).count() == 1

    # and the family that paid by bank transfer reads its payment once in its statement
    paid = next(p for p in payments if p.family_id is not None)
    ledger = await family_ledger(await Family.get(id=paid.family_id))
    assert [e.kind for e in ledger.entries if e.payment_id == paid.id] == [EntryKind.PAYMENT]

    # and every money promise holds, in both schools
    await assert_money_exact()
    for school in await School.all():
        await assert_exact(school.id, [r.id for r in runs if r.school_id == school.id])
