"""A long statement runs to several pages, each page of entries with the table's header and
every page with a numbered footer; a receipt is one page with its footer."""

from __future__ import annotations

import io

from pypdf import PdfReader

from adapters.pdf.typst_renderer import TypstInvoiceRenderer
from domain.letterheads import Letterhead
from domain.receipt_documents import ReceiptLine, ReceiptSheet
from domain.statement_documents import StatementLine, StatementSheet

HEAD = Letterhead("Riverside Academy", ["P.O. Box 1"], ["+254 712 345678"], "Paybill 123456")


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def test_a_long_statement_repeats_its_header_and_numbers_its_pages() -> None:
    lines = [
        StatementLine(
            date="5 January 2026",
            reference=f"INV-2026-{n:06d}",
            description="Invoice: Tuition, Term 1 2026",
            debit="KES 1,000.00",
            credit="",
            balance=f"KES {n},000.00",
        )
        for n in range(1, 121)
    ]
    sheet = StatementSheet(
        head=HEAD,
        account="Amani Otieno",
        account_lines=["Admission no. A1"],
        start="1 January 2026",
        end="31 December 2026",
        issued_on="1 December 2026",
        opening_balance="KES 0.00",
        lines=lines,
        total_invoiced="KES 120,000.00",
        total_paid="KES 0.00",
        total_credited="KES 0.00",
        closing_balance="KES 120,000.00",
    )
    pages = _pages(await TypstInvoiceRenderer(threads=1).render_statement(sheet))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        if "INV-2026-" in text:  # a page of entries carries the table's header
            assert "DATE" in text and "BALANCE" in text, number
        assert f"Statement of Amani Otieno, 1 January 2026 to 31 December 2026 {number} / " in (
            text.replace("\n", " ")
        ), text
    printed = "\n".join(pages)
    assert all(line.reference in printed for line in lines)
    assert "Closing balance KES 120,000.00" in pages[-1]


async def test_a_receipt_is_one_page_with_its_footer() -> None:
    sheet = ReceiptSheet(
        head=HEAD,
        number="RCT-2026-000001",
        paid_on="9 January 2026",
        recorded_on="9 January 2026",
        payer="Amani Otieno",
        payer_lines=["Admission no. A1"],
        channel="M-Pesa",
        method="M-Pesa",
        reference="SAB3K9XY2Q",
        amount="KES 500.00",
        received=None,
        allocations=[ReceiptLine("INV-2026-000001", "Amani Otieno", "KES 500.00")],
        allocated="KES 500.00",
        unallocated="KES 0.00",
        reversal=None,
    )
    pages = _pages(await TypstInvoiceRenderer(threads=1).render_receipt(sheet))
    assert len(pages) == 1
    assert "Riverside Academy · Receipt RCT-2026-000001 1 / 1" in pages[0]
