"""Invoices, receipts and statements typeset by Typst from the `.typ` templates beside this
module (`common.typ` first, then the document's own), the data passed as JSON (never spliced).

A template reads `sys.inputs.data` and shows every value as text, so a student named
`#set page(width: 1pt)` or `*bold*` prints exactly so. Fonts are Typst's own (inside its
wheel), so a document looks the same on every machine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pikepdf
import typst

from domain.invoice_documents import InvoiceSheet
from domain.receipt_documents import ReceiptSheet
from domain.statement_documents import StatementSheet

logger = logging.getLogger("billing.pdf")

HERE = Path(__file__).parent
TEMPLATE = HERE / "invoice.typ"
#: Parts (typeset batches) held open before the bundle so far is saved to disk and reopened:
#: 80 batches of 25 invoices is 2,000 pages. Each flush writes the whole bundle so far again,
#: so fewer flushes cost less CPU (a fifth less joining than every 1,000 pages, measured) for
#: a few MB more held open.
FLUSH_PARTS = 80


class PdfBundle:
    """Rendered PDFs joined page by page (qpdf keeps the page tree; content stays compressed).

    qpdf reads a part's objects only when the whole is saved, so every part stays open until
    then; every FLUSH_PARTS parts the bundle so far is saved to a file and reopened from it
    (read lazily), and the parts are let go: memory stays flat, whatever the run's size.
    """

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._pdf = pikepdf.new()
        self._parts: list[pikepdf.Pdf] = []
        self._dir = tempfile.TemporaryDirectory(prefix="billing-pdf-")
        self._flushes = 0

    async def add(self, pdf: bytes) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._add, pdf)

    async def write(self, out: BinaryIO) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._write, out)

    def _add(self, pdf: bytes) -> None:
        part = pikepdf.open(io.BytesIO(pdf))
        self._pdf.pages.extend(part.pages)
        self._parts.append(part)  # its objects are read when the bundle is saved
        if len(self._parts) >= FLUSH_PARTS:
            self._flush()

    def _flush(self) -> None:
        self._flushes += 1
        path = Path(self._dir.name) / f"bundle-{self._flushes}.pdf"
        self._pdf.save(path)
        self._close_open()
        self._pdf = pikepdf.open(path)

    def _close_open(self) -> None:
        for part in self._parts:
            part.close()
        self._parts.clear()
        self._pdf.close()

    def _write(self, out: BinaryIO) -> None:
        try:
            self._pdf.save(out)
        finally:
            self._close_open()
            self._dir.cleanup()


def _template(path: Path) -> bytes:
    """A document's template, after the letterhead, footer and tables all documents share."""
    return (HERE / "common.typ").read_bytes() + b"\n" + path.read_bytes()


class TypstInvoiceRenderer:
    """The domain's InvoiceRenderer, ReceiptRenderer and StatementRenderer: A4, black on white.

    Typesetting runs on `threads` threads of its own (BILLING_PDF_THREADS) and joining on
    another: a burst of document requests takes turns there instead of taking every thread
    of the event loop's default pool.
    """

    def __init__(self, template: Path = TEMPLATE, *, threads: int = 2) -> None:
        self._template = _template(template)
        self._receipt = _template(HERE / "receipt.typ")
        self._statement = _template(HERE / "statement.typ")
        self._typeset = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="typst")
        self._join = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-join")
        # A Compiler serves one thread at a time: each typesetting thread makes its own.
        self._local = threading.local()

    async def render(self, sheets: Sequence[InvoiceSheet]) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._typeset, self._render, list(sheets))

    async def render_receipt(self, sheet: ReceiptSheet) -> bytes:
        data = {"title": f"Receipt {sheet.number} · {sheet.head.school_name}", "receipt": sheet}
        return await self._off_loop(self._receipt, data)

    async def render_statement(self, sheet: StatementSheet) -> bytes:
        title = f"Statement of {sheet.account} · {sheet.head.school_name}"
        return await self._off_loop(self._statement, {"title": title, "statement": sheet})

    def bundle(self) -> PdfBundle:
        return PdfBundle(self._join)

    async def _off_loop(self, template: bytes, data: dict[str, object]) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._typeset, self._compile, template, data)

    def _render(self, sheets: Sequence[InvoiceSheet]) -> bytes:
        return self._compile(self._template, {"title": _title(sheets), "invoices": sheets})

    def _compile(self, template: bytes, data: dict[str, object]) -> bytes:
        compiler = getattr(self._local, "compiler", None)
        if compiler is None:
            fonts = typst.Fonts(include_system_fonts=False)
            compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
            self._local.compiler = compiler
        pdf, warnings = compiler.compile_with_warnings(
            input=template,
            format="pdf",
            sys_inputs={"data": json.dumps(data, default=_plain)},
            # Accessibility tags would quadruple a run's file; the text stays extractable.
            pdf_tags=False,
        )
        for warning in warnings:  # e.g. a glyph no bundled font has: printed as a box
            logger.info("typst: %s", getattr(warning, "message", warning))
        assert isinstance(pdf, bytes)
        return pdf


def _plain(value: object) -> object:
    """A sheet (a dataclass, nested) as JSON's objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _title(sheets: Sequence[InvoiceSheet]) -> str:
    if len(sheets) == 1:
        return f"Invoice {sheets[0].number} · {sheets[0].head.school_name}"
    return f"Invoices · {sheets[0].head.school_name}" if sheets else "Invoices"
