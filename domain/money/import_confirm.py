"""Paying a confirmed import's MATCHED rows in chunks of bulk statements.

Recording them one by one (a receipt number, a payment, its allocations, each invoice's
update, the row's link: a dozen round trips a row) makes a 20,000-row statement take minutes
inside one transaction holding the school's money lock. Here each chunk of rows costs a fixed
handful of statements whatever its size, and pays exactly what `receive_for_student` would
have paid row after row: the same debts in the same order (`open_debts` and `spread`), the
same receipt numbers in row order.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.models import (
    ImportLineStatus,
    Invoice,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    PaymentChannel,
    PaymentImport,
    PaymentImportLine,
)
from domain.money.allocation import Debt, open_debts, settle, spread
from domain.money.import_lines import key, known_references
from domain.money.numbers import format_number, reserve_numbers

#: MATCHED rows paid per chunk (each chunk: about ten statements).
CONFIRM_CHUNK = 1000
#: Rows per UPDATE of a bulk update (well under SQLite's parameter limit).
UPDATE_BATCH = 500
#: How an imported payment's method reads on receipts and ledgers.
IMPORT_METHOD = "Imported statement"
LATE_DUPLICATE = "Recorded since the preview."


async def pay_matched_lines(
    connection: BaseDBAsyncClient, imp: PaymentImport, user_id: int | None
) -> tuple[int, int]:
    """Pay the import's MATCHED rows in row order; a row whose reference was recorded since
    the preview becomes DUPLICATE instead. (rows paid, late duplicates). The caller holds the
    school's money lock, in the transaction that confirms the import."""
    known = await known_references(imp.school_id)
    paid = late = last_row = 0
    while True:
        lines = (
            await PaymentImportLine.filter(
                payment_import_id=imp.id,
                status=ImportLineStatus.MATCHED,
                row_number__gt=last_row,
            )
            .using_db(connection)
            .order_by("row_number")
            .limit(CONFIRM_CHUNK)
        )
        if not lines:
            return paid, late
        last_row = lines[-1].row_number
        fresh: list[PaymentImportLine] = []
        duplicates: list[int] = []
        for line in lines:
            reference = key(line.transaction_reference)
            if reference in known:
                duplicates.append(line.id)
            else:
                fresh.append(line)
                known.add(reference)
        if duplicates:
            await (
                PaymentImportLine.filter(id__in=duplicates)
                .using_db(connection)
                .update(status=ImportLineStatus.DUPLICATE, message=LATE_DUPLICATE)
            )
        if fresh:
            await _pay(connection, imp.school_id, fresh, user_id)
        paid += len(fresh)
        late += len(duplicates)


async def _pay(
    connection: BaseDBAsyncClient,
    school_id: int,
    lines: list[PaymentImportLine],
    user_id: int | None,
) -> None:
    first = await reserve_numbers(connection, school_id, "last_receipt_number", len(lines))
    payments = []
    for n, line in enumerate(lines, start=first):
        assert line.student_id is not None and line.amount is not None
        assert line.paid_on is not None
        payments.append(
            Payment(
                school_id=school_id,
                student_id=line.student_id,
                receipt_number=format_number("RCT", line.paid_on, n),
                channel=PaymentChannel.IMPORT,
                amount=Decimal(line.amount),
                unallocated_amount=Decimal(line.amount),
                paid_on=line.paid_on,
                method=IMPORT_METHOD,
                reference=line.transaction_reference,
                recorded_by_id=user_id,
            )
        )
    await Payment.bulk_create(payments, batch_size=UPDATE_BATCH, using_db=connection)
    # Read the new ids back by receipt number (unique per school): one indexed query.
    ids = dict(
        await Payment.filter(
            school_id=school_id, receipt_number__in=[p.receipt_number for p in payments]
        )
        .using_db(connection)
        .values_list("receipt_number", "id")
    )
    for payment, line in zip(payments, lines, strict=True):
        payment.id = line.payment_id = int(ids[payment.receipt_number])
    await _allocate(connection, payments)
    await PaymentImportLine.bulk_update(
        lines, fields=["payment_id"], batch_size=UPDATE_BATCH, using_db=connection
    )


async def _allocate(connection: BaseDBAsyncClient, payments: list[Payment]) -> None:
    """Spread each new payment over its student's debts, in order, and write it all in bulk."""
    assert all(p.student_id is not None for p in payments)
    students = sorted({int(p.student_id or 0) for p in payments})
    debts: dict[int, list[Debt]] = defaultdict(list)
    for debt in await open_debts(connection, students, with_opening=True):
        debts[debt.student_id].append(debt)  # each student's in the order they are paid
    parts: list[PaymentAllocation] = []
    invoices: dict[int, Invoice] = {}
    openings: dict[int, OpeningBalance] = {}
    for payment in payments:
        student_id = int(payment.student_id or 0)
        takes, left = spread(Decimal(payment.amount), debts[student_id])
        payment.unallocated_amount = left
        for debt, take in takes:
            invoice, opening = debt.invoice, debt.opening
            parts.append(
                PaymentAllocation(
                    school_id=payment.school_id,
                    student_id=student_id,
                    payment_id=payment.id,
                    invoice_id=invoice.id if invoice else None,
                    amount=take,
                )
            )
            if invoice is not None:
                invoices[invoice.id] = settle(invoice, paid=take)
            elif opening is not None:
                opening.allocated = Decimal(opening.allocated) + take
                openings[opening.id] = opening
    await PaymentAllocation.bulk_create(parts, batch_size=UPDATE_BATCH, using_db=connection)
    if invoices:
        await Invoice.bulk_update(
            list(invoices.values()),
            fields=["amount_paid", "status"],
            batch_size=UPDATE_BATCH,
            using_db=connection,
        )
    if openings:
        await OpeningBalance.bulk_update(
            list(openings.values()),
            fields=["allocated"],
            batch_size=UPDATE_BATCH,
            using_db=connection,
        )
    changed = [p for p in payments if Decimal(p.unallocated_amount) != Decimal(p.amount)]
    if changed:
        await Payment.bulk_update(
            changed, fields=["unallocated_amount"], batch_size=UPDATE_BATCH, using_db=connection
        )
