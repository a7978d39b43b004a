"""Joining typeset batches into one PDF: every page once, in order, across flushes to disk."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from adapters.pdf import typst_renderer
from adapters.pdf.typst_renderer import TypstInvoiceRenderer
from domain.invoice_documents import InvoiceSheet, SheetLine
from domain.letterheads import Letterhead


def sheet(n: int) -> InvoiceSheet:
    return InvoiceSheet(
        head=Letterhead("Riverside Academy", ["P.O. Box 1"], ["+254 712 345678"], None),
        number=f"INV-2026-{n:06d}",
        status="",
        invoice_date="5 January 2026",
        due_date="5 February 2026",
        term="Term 1 2026",
        student_name=f"Student {n}",
        admission_number=f"ADM{n}",
        class_name="Grade 1 East",
        guardian_name=None,
        lines=[SheetLine("Tuition", "KES 1,000.00")],
        gross="KES 1,000.00",
        discount="KES 0.00",
        total="KES 1,000.00",
        amount_paid="KES 0.00",
        credited="KES 0.00",
        balance="KES 1,000.00",
        previous_balance="KES 0.00",
        total_due="KES 1,000.00",
    )


async def test_parts_join_in_order_across_flushes(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a bundle that saves itself to disk every 2 parts
    monkeypatch.setattr(typst_renderer, "FLUSH_PARTS", 2)
    renderer = TypstInvoiceRenderer(threads=1)
    bundle = renderer.bundle()
    # when 5 batches of 3 invoices are added
    for batch in range(5):
        await bundle.add(await renderer.render([sheet(batch * 3 + i) for i in range(3)]))
    out = io.BytesIO()
    await bundle.write(out)
    # then the document holds the 15 invoices once each, in the order added
    pages = PdfReader(io.BytesIO(out.getvalue())).pages
    numbers = [next(w for w in p.extract_text().split() if w.startswith("INV-")) for p in pages]
    assert numbers == [f"INV-2026-{n:06d}" for n in range(15)]
