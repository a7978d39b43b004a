"""Invoices typeset by Typst from `invoice.typ`, with the data passed as JSON (never spliced).

The template reads `sys.inputs.data` and shows every value as text, so a student named
`#set page(width: 1pt)` or `*bold*` prints exactly so. Fonts are Typst's own (inside its
wheel), so a document looks the same on every machine.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pikepdf
import typst

from domain.invoice_documents import InvoiceSheet

logger = logging.getLogger("billing.pdf")

TEMPLATE = Path(__file__).with_name("invoice.typ")


class PdfBundle:
    """Rendered PDFs joined page by page (qpdf keeps the page tree; content stays compressed)."""

    def __init__(self) -> None:
        self._pdf = pikepdf.new()
        self._parts: list[pikepdf.Pdf] = []

    def add(self, pdf: bytes) -> None:
        part = pikepdf.open(io.BytesIO(pdf))
        self._pdf.pages.extend(part.pages)
        self._parts.append(part)  # its objects are read when the bundle is written

    def write(self, out: BinaryIO) -> None:
        self._pdf.save(out)
        for part in self._parts:
            part.close()
        self._pdf.close()


class TypstInvoiceRenderer:
    """The domain's InvoiceRenderer: A4 invoices, black on white, one or more pages each."""

    def __init__(self, template: Path = TEMPLATE) -> None:
        self._template = template.read_bytes()
        self._fonts = typst.Fonts(include_system_fonts=False)
        # A Compiler is not shared between threads: each worker thread gets its own.
        self._local = threading.local()

    def _compiler(self) -> Any:
        compiler = getattr(self._local, "compiler", None)
        if compiler is None:
            compiler = typst.Compiler(font_paths=self._fonts, ignore_system_fonts=True)
            self._local.compiler = compiler
        return compiler

    def render(self, sheets: Sequence[InvoiceSheet]) -> bytes:
        data = {
            "title": _title(sheets),
            "invoices": [dataclasses.asdict(s) for s in sheets],
        }
        pdf, warnings = self._compiler().compile_with_warnings(
            input=self._template,
            format="pdf",
            sys_inputs={"data": json.dumps(data)},
            # Accessibility tags would quadruple a run's file; the text stays extractable.
            pdf_tags=False,
        )
        for warning in warnings:  # e.g. a glyph no bundled font has: printed as a box
            logger.info("typst: %s", getattr(warning, "message", warning))
        assert isinstance(pdf, bytes)
        return pdf

    def bundle(self) -> PdfBundle:
        return PdfBundle()


def _title(sheets: Sequence[InvoiceSheet]) -> str:
    if len(sheets) == 1:
        return f"Invoice {sheets[0].number} · {sheets[0].school_name}"
    return f"Invoices · {sheets[0].school_name}" if sheets else "Invoices"
