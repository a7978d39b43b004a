"""The promises the data keeps whatever happened, checked in the database: one checker.

`assert_exact` is billing's: every tier calls it after billing (integration after driving
chunks by hand, fault tests after a fault, e2e after real processes). A fault may delay these
promises, never break them. Its SQL runs on PostgreSQL and SQLite alike: money is summed as
integer cents (exact on both; SQLite has no decimal type), and parameters are written `$n`
(`?n` on SQLite), so it checks 60,000 invoices at once.

`assert_money_exact` is money's: call it after every test that moves money. What always
holds, whatever happened before (concurrency, reversals, replaced opening balances): an
invoice's paid and credited sums equal its allocations and credit notes and leave a balance
>= 0; a payment's allocations plus its unallocated amount equal its amount (a reversed one
has neither); an opening balance's settled part equals its allocations; a ledger's balance
is the sum of its entries and equals what its debts and credit say; a family payment's
allocations (and, once reversed, the parts it had given) go to the family's students only; a
family's ledger holds each family payment (and its reversal) once for its whole amount, its
balance is the sum of its entries and equals the sum of its
students' balances less the family's credit (its unallocatedCredit); receipt and credit-note
numbers are gap-free per school.

Add a check here, once, and every tier checks it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from domain.db import conn, is_postgres
from domain.models import (
    BillingRun,
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

#: Seconds the whole check may take (the fault tests check 60,000 invoices at once).
CHECK_LIMIT_SECONDS = 120.0

ZERO = Decimal("0.00")


async def assert_exact(school_id: int, run_ids: Iterable[int] = ()) -> dict[int, BillingRun]:
    """Assert every promise of the school and of each of its runs; the runs, by id."""
    async with asyncio.timeout(CHECK_LIMIT_SECONDS):
        await assert_school_exact(school_id)
        return {run_id: await assert_run_exact(run_id) for run_id in run_ids}


async def _rows(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    c = conn()
    if not is_postgres(c):
        for n in range(len(values), 0, -1):
            sql = sql.replace(f"${n}", f"?{n}")
    return list(await c.execute_query_dict(sql, values))


def _cents(column: str) -> str:
    """An amount as integer cents, in SQL that is exact on PostgreSQL and SQLite."""
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


async def assert_school_exact(school_id: int) -> None:
    """No student holds two live invoices for a fee structure and term; the school's numbers
    are gap-free from 1 and its counter is the last; each invoice's lines sum to its total."""
    twice = await _rows(
        """SELECT student_id, fee_structure_id, term_id, COUNT(*) AS n FROM invoice
        WHERE school_id = $1 AND status <> 'CANCELLED'
        GROUP BY student_id, fee_structure_id, term_id HAVING COUNT(*) > 1 LIMIT 5""",
        [school_id],
    )
    assert twice == [], f"students invoiced twice: {twice}"
    numbers = await _rows("SELECT number FROM invoice WHERE school_id = $1", [school_id])
    seq = sorted(int(str(r["number"]).rsplit("-", 1)[1]) for r in numbers)
    assert seq == list(range(1, len(seq) + 1)), "invoice numbers are not gap-free from 1"
    counter = await _rows("SELECT last_invoice_number FROM school WHERE id = $1", [school_id])
    assert int(counter[0]["last_invoice_number"]) == len(seq)
    unbalanced = await _rows(
        # Lines summed first: a hash join, whatever the (fresh, unanalysed) statistics say.
        f"""SELECT i.id FROM invoice i
        LEFT JOIN (SELECT invoice_id, SUM({_cents("amount")}) AS cents FROM invoice_line
                   GROUP BY invoice_id) l ON l.invoice_id = i.id
        WHERE i.school_id = $1 AND COALESCE(l.cents, 0) <> {_cents("i.total")} LIMIT 5""",
        [school_id],
    )
    assert unbalanced == [], f"invoices whose lines do not sum to the total: {unbalanced}"


async def assert_run_exact(run_id: int) -> BillingRun:
    """The run is COMPLETED with nothing pending or failed; its counters equal the count and
    sum of its invoices and of its items by status; invoiced items and invoices match one to
    one by student; a skipped item's student holds a live invoice for the fee and term."""
    run = await BillingRun.get(pk=run_id)
    assert run.status == "COMPLETED", (run_id, run.status)
    made = await _rows(
        f"""SELECT COUNT(*) AS n, COALESCE(SUM({_cents("total")}), 0) AS cents FROM invoice
        WHERE billing_run_id = $1""",
        [run_id],
    )
    assert run.items_invoiced == int(made[0]["n"]), (run.items_invoiced, made)
    assert Decimal(run.invoiced_amount) == Decimal(int(made[0]["cents"])) / 100, (
        run.invoiced_amount,
        made,
    )
    items = await _rows(
        """SELECT status, COUNT(*) AS n FROM billing_run_item WHERE run_id = $1 GROUP BY status""",
        [run_id],
    )
    by_status = {r["status"]: int(r["n"]) for r in items}
    assert by_status.get("PENDING", 0) == 0
    assert by_status.get("INVOICED", 0) == run.items_invoiced
    assert by_status.get("SKIPPED", 0) == run.items_skipped
    assert by_status.get("FAILED", 0) == run.items_failed == 0
    assert sum(by_status.values()) == run.items_total
    # Set differences, not NOT EXISTS: with statistics that do not know the fresh rows yet,
    # PostgreSQL plans those as nested loops (tens of seconds at 20,000 students).
    loose = await _rows(
        """WITH live AS (
            SELECT student_id, billing_run_id FROM invoice
            WHERE fee_structure_id = $2 AND term_id = $3 AND status <> 'CANCELLED'),
        invoiced AS (
            SELECT student_id FROM billing_run_item WHERE run_id = $1 AND status = 'INVOICED')
        SELECT
          (SELECT COUNT(*) FROM (SELECT student_id FROM invoiced
             EXCEPT SELECT student_id FROM live WHERE billing_run_id = $1) x) AS items,
          (SELECT COUNT(*) FROM (SELECT student_id FROM invoice WHERE billing_run_id = $1
             EXCEPT SELECT student_id FROM invoiced) x) AS invoices,
          (SELECT COUNT(*) FROM (SELECT student_id FROM billing_run_item
             WHERE run_id = $1 AND status = 'SKIPPED'
             EXCEPT SELECT student_id FROM live) x) AS skipped""",
        [run_id, run.fee_structure_id, run.term_id],
    )
    assert [{k: int(v) for k, v in r.items()} for r in loose] == [
        {"items": 0, "invoices": 0, "skipped": 0}
    ], loose
    return run


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
