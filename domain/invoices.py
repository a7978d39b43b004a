"""After the run: recording payments against invoices and cancelling them.

The commands live with the money they move (`domain.money`); this is where the invoice's
callers find them."""

from __future__ import annotations

from domain.access import Caller, get_visible
from domain.models import Invoice, Role
from domain.money.credit_notes import cancel_invoice
from domain.money.payments import record_payment

__all__ = ["INVOICE_ROLE", "cancel_invoice", "get_invoice", "record_payment"]

#: Who may record payments and cancel invoices.
INVOICE_ROLE = Role.FINANCE


async def get_invoice(caller: Caller, invoice_id: int | None) -> Invoice:
    """An invoice the caller may see (NOT_FOUND otherwise)."""
    return await get_visible(caller, Invoice, invoice_id, "Invoice", ["invoiceId"])
