"""Confirming an import pays its MATCHED rows in chunks of bulk statements, exactly as paying
them one by one would: the opening balance then invoices by due date, rows in order across
chunks, receipt numbers in row order, late duplicates left out. Real database, both modes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.models import (
    ImportFormat,
    ImportLineStatus,
    Invoice,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    PaymentImportLine,
)
from domain.money import import_confirm, imports, opening, payments
from tests.factories import Factory
from tests.integration.test_accounts import _invoice, _school
from tests.invariants import assert_money_exact

D = Decimal


async def test_confirm_pays_rows_in_order_across_chunks_like_one_by_one(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given A owing an opening 100.00 and two invoices of 300.00, B owing 200.00, C nothing
    s, a, actor = await _school(factory)
    b = await factory.student(s.school, s.classes[0])
    c = await factory.student(s.school, s.classes[0])
    a_late = await _invoice(factory, s, a, "300.00", date(2026, 2, 15), "INV-2026-000002")
    a_early = await _invoice(factory, s, a, "300.00", date(2026, 1, 15), "INV-2026-000003")
    b_due = await _invoice(factory, s, b, "200.00", date(2026, 1, 15), "INV-2026-000001")
    await opening.set_opening_balances(
        actor.caller, s.school.id, date(2025, 12, 31), [opening.OpeningIn(a.id, D("100.00"))]
    )
    rows = [
        ("R1", a, "250.00"),
        ("R2", b, "50.00"),
        ("R3", a, "200.00"),
        ("R4", b, "300.00"),
        ("R5", a, "1000.00"),
        ("R6", b, "20.00"),
    ]
    content = "date,amount,reference,account\n" + "".join(
        f"2026-03-0{n},{amount},{ref},{who.admission_number}\n"
        for n, (ref, who, amount) in enumerate(rows, start=1)
    )
    imp = await imports.create_payment_import(
        actor.caller, s.school.id, ImportFormat.SIMPLE_CSV, content
    )
    # and R4 recorded by hand since the preview (for C, with other spacing and case)
    await payments.receive_payment(
        actor.caller,
        c.id,
        amount=D("5.00"),
        paid_on=date(2026, 3, 4),
        method="Cash",
        reference=" r4 ",
    )
    # when it is confirmed two rows a chunk, twice
    monkeypatch.setattr(import_confirm, "CONFIRM_CHUNK", 2)
    await imports.confirm_import(actor.caller, imp.id)
    again = await imports.confirm_import(actor.caller, imp.id)

    # then R4 is a late duplicate and the others are paid once, receipts in row order
    lines = await PaymentImportLine.filter(payment_import_id=imp.id).order_by("row_number")
    assert [line.status for line in lines] == [
        ImportLineStatus.MATCHED,
        ImportLineStatus.MATCHED,
        ImportLineStatus.MATCHED,
        ImportLineStatus.DUPLICATE,
        ImportLineStatus.MATCHED,
        ImportLineStatus.MATCHED,
    ]
    assert (again.matched_count, again.duplicate_count, again.matched_amount) == (
        5,
        1,
        D("1520.00"),
    )
    paid = {p.id: p for p in await Payment.filter(reference__startswith="R")}
    by_row = [paid[line.payment_id] if line.payment_id else None for line in lines]
    assert [p.receipt_number[-6:] if p else None for p in by_row] == [
        "000002", "000003", "000004", None, "000005", "000006",
    ]  # fmt: skip
    assert all(p is None or (p.channel, p.paid_on.month) == ("IMPORT", 3) for p in by_row)
    # and each row paid the opening, then invoices by due date, continuing across chunks
    parts = []
    for p in by_row:
        for x in await PaymentAllocation.filter(payment_id=p.id).order_by("id") if p else []:
            parts.append((p.reference if p else None, x.invoice_id, x.amount))
    assert parts == [
        ("R1", None, D("100.00")),
        ("R1", a_early.id, D("150.00")),
        ("R2", b_due.id, D("50.00")),
        ("R3", a_early.id, D("150.00")),
        ("R3", a_late.id, D("50.00")),
        ("R5", a_late.id, D("250.00")),
        ("R6", b_due.id, D("20.00")),
    ]
    assert [p.unallocated_amount for p in by_row if p] == [D(0), D(0), D(0), D("750.00"), D(0)]
    invoices = {i.id: i for i in await Invoice.all()}
    assert (invoices[a_early.id].status, invoices[a_late.id].status) == (
        InvoiceStatus.PAID,
        InvoiceStatus.PAID,
    )
    assert (invoices[b_due.id].status, invoices[b_due.id].amount_paid) == (
        InvoiceStatus.PARTIALLY_PAID,
        D("70.00"),
    )
    assert (await OpeningBalance.get(student_id=a.id)).allocated == D("100.00")
    await assert_money_exact()
