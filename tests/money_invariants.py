"""The one checker of money: call `assert_money_exact()` after every test that moves money.

What always holds, whatever happened before (concurrency, reversals, replaced opening
balances): an invoice's paid and credited sums equal its allocations and credit notes and
leave a balance >= 0; a payment's allocations plus its unallocated amount equal its amount
(a reversed one has neither); an opening balance's settled part equals its allocations; a
ledger's balance is the sum of its entries and equals what its debts and credit say; a
family payment's allocations (and, once reversed, the parts it had given) go to the family's
students only; a family's ledger holds each family payment (and its reversal) once for its
whole amount, its balance is the sum of its entries and equals
the sum of its students' balances less the family's credit (its unallocatedCredit); receipt
and credit-note numbers are gap-free per school.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from domain.models import (
    CreditNote,
    Family,
    Invoice,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    ReversedPart,
    School,
    Student,
)
from domain.money.allocation import invoice_status
from domain.money.family import family_ledger
from domain.money.ledger import EntryKind, student_ledger

ZERO = Decimal("0.00")


async def assert_money_exact(school_id: int | None = None) -> None:
    """Every money invariant, for one school or for all."""
    where = {"school_id": school_id} if school_id is not None else {}
    parts = await PaymentAllocation.filter(**where)
    by_invoice: dict[int, Decimal] = defaultdict(lambda: ZERO)
    by_payment: dict[int, Decimal] = defaultdict(lambda: ZERO)
    opening_paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    opening_spent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in parts:
        assert Decimal(a.amount) > 0, f"allocation {a.id} of {a.amount}"
        if a.invoice_id is not None:
            by_invoice[a.invoice_id] += Decimal(a.amount)
        if a.payment_id is not None:
            by_payment[a.payment_id] += Decimal(a.amount)
            if a.invoice_id is None:
                opening_paid[a.student_id] += Decimal(a.amount)
        else:
            assert a.invoice_id is not None, f"allocation {a.id} from credit to no invoice"
            opening_spent[a.student_id] += Decimal(a.amount)
    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for n in await CreditNote.filter(**where):
        assert Decimal(n.amount) > 0
        credited[n.invoice_id] += Decimal(n.amount)

    for i in await Invoice.filter(**where):
        paid, cred, total = Decimal(i.amount_paid), Decimal(i.credited_amount), Decimal(i.total)
        assert paid == by_invoice[i.id], (
            f"{i.number}: paid {paid} != allocations {by_invoice[i.id]}"
        )
        assert cred == credited[i.id], f"{i.number}: credited {cred} != notes {credited[i.id]}"
        assert total - paid - cred >= 0, f"{i.number}: balance {total - paid - cred} < 0"
        if paid > 0 or cred > 0:
            expected = invoice_status(total, paid, cred, sent=i.sent_at is not None)
            assert i.status == expected, f"{i.number}: {i.status} but money says {expected}"

    for p in await Payment.filter(**where):
        allocated, left = by_payment[p.id], Decimal(p.unallocated_amount)
        if p.reversed_at is not None:
            assert (allocated, left) == (ZERO, ZERO), (
                f"reversed {p.receipt_number} still holds money"
            )
        else:
            assert left >= 0, f"{p.receipt_number}: unallocated {left}"
            assert allocated + left == Decimal(p.amount), (
                f"{p.receipt_number}: {allocated} + {left} != {p.amount}"
            )

    for ob in await OpeningBalance.filter(**where):
        amount, settled = Decimal(ob.amount), Decimal(ob.allocated)
        if amount >= 0:
            assert settled == opening_paid[ob.student_id], f"opening of {ob.student_id}"
            assert ZERO <= settled <= amount
            assert opening_spent[ob.student_id] == ZERO
        else:
            assert settled == opening_spent[ob.student_id], f"opening credit of {ob.student_id}"
            assert ZERO <= settled <= -amount
            assert opening_paid[ob.student_id] == ZERO

    await _assert_ledgers(where)
    await _assert_families(where)
    await _assert_numbers(school_id)


async def _assert_ledgers(where: dict[str, int]) -> None:
    ids = set(await Invoice.filter(**where).values_list("student_id", flat=True))
    ids |= set(await Payment.filter(**where).values_list("student_id", flat=True))
    ids |= set(await OpeningBalance.filter(**where).values_list("student_id", flat=True))
    ids |= set(await PaymentAllocation.filter(**where).values_list("student_id", flat=True))
    ids |= set(await ReversedPart.filter(**where).values_list("student_id", flat=True))
    for student in await Student.filter(id__in=[i for i in ids if i is not None]):
        ledger = await student_ledger(student)
        total = sum((e.net for e in ledger.entries), ZERO)
        assert ledger.balance == total, f"ledger of {student.id}: {ledger.balance} != {total}"
        if ledger.entries:
            assert ledger.entries[-1].balance == total
        owed = ZERO
        for i in await Invoice.filter(student_id=student.id):
            owed += Decimal(i.total) - Decimal(i.amount_paid) - Decimal(i.credited_amount)
        ob = await OpeningBalance.filter(student_id=student.id).first()
        if ob is not None and Decimal(ob.amount) > 0:
            owed += Decimal(ob.amount) - Decimal(ob.allocated)
        # Cancelled invoices count their total as debit and their credit note as credit.
        cancelled_unnoted = ZERO
        for i in await Invoice.filter(student_id=student.id, status=InvoiceStatus.CANCELLED):
            noted = Decimal(i.credited_amount) + Decimal(i.amount_paid)
            cancelled_unnoted += Decimal(i.total) - noted
        assert ledger.balance == owed - ledger.unallocated_credit + cancelled_unnoted, (
            f"ledger of {student.id}: {ledger.balance} != owed {owed} - credit "
            f"{ledger.unallocated_credit}"
        )


async def _assert_families(where: dict[str, int]) -> None:
    for family in await Family.filter(**where):
        students = await Student.filter(family_id=family.id)
        mine = {s.id for s in students}
        payments = await Payment.filter(family_id=family.id)
        for p in payments:
            assert p.student_id is None, f"family payment {p.receipt_number} names a student"
            owners = set(
                await PaymentAllocation.filter(payment_id=p.id).values_list("student_id", flat=True)
            )
            assert owners <= mine, f"{p.receipt_number} paid students {owners - mine}"
            kept = await ReversedPart.filter(payment_id=p.id)
            if p.reversed_at is None:
                assert kept == [], f"live {p.receipt_number} has reversed parts"
            assert {k.student_id for k in kept} <= mine
            assert sum((Decimal(k.amount) for k in kept), ZERO) <= Decimal(p.amount)
        ledger = await family_ledger(family)
        total = sum((e.net for e in ledger.entries), ZERO)
        assert ledger.balance == total, f"family {family.id}: {ledger.balance} != {total}"
        credit = sum(
            (Decimal(p.unallocated_amount) for p in payments if p.reversed_at is None), ZERO
        )
        assert ledger.unallocated_credit == credit, f"family {family.id} credit"
        balances = sum([(await student_ledger(s)).balance for s in students], ZERO)
        assert ledger.balance == balances - credit, (
            f"family {family.id}: {ledger.balance} != students {balances} - credit {credit}"
        )
        for p in payments:
            lines = [e for e in ledger.entries if e.payment_id == p.id]
            expected = [(EntryKind.PAYMENT, Decimal(p.amount))]
            if p.reversed_at is not None:
                expected.append((EntryKind.PAYMENT_REVERSAL, Decimal(p.amount)))
            assert [(e.kind, e.credit or e.debit) for e in lines] == expected, (
                f"family {family.id}: {p.receipt_number} appears as {lines}"
            )


async def _assert_numbers(school_id: int | None) -> None:
    schools = await (School.filter(id=school_id) if school_id is not None else School.all())
    for school in schools:
        receipts = await Payment.filter(school_id=school.id).values_list(
            "receipt_number", flat=True
        )
        notes = await CreditNote.filter(school_id=school.id).values_list("number", flat=True)
        for numbers, last in (
            (receipts, school.last_receipt_number),
            (notes, school.last_credit_note_number),
        ):
            seen = sorted(int(str(n).rsplit("-", 1)[1]) for n in numbers)
            assert seen == list(range(1, last + 1)), f"school {school.id}: {seen} / last {last}"
