"""The PDF port: invoices typeset by Typst (templates beside the renderer), parts joined by qpdf."""

from __future__ import annotations

from adapters.pdf.typst_renderer import TypstInvoiceRenderer

__all__ = ["TypstInvoiceRenderer"]
