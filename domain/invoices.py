"""After the run: recording payments against invoices and cancelling them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.access import Caller, get_visible
from domain.models import Invoice, Role
from domain.money import credit_notes
from domain.money.payments import Foreign, record_invoice_payment

#: Who may record payments and cancel invoices.
INVOICE_ROLE = Role.FINANCE


async def get_invoice(caller: Caller, invoice_id: int | None) -> Invoice:
    """An invoice the caller may see (NOT_FOUND otherwise)."""
    return await get_visible(caller, Invoice, invoice_id, "Invoice", ["invoiceId"])


async def record_payment(
    caller: Caller,
    invoice_id: int | None,
    *,
    amount: Decimal,
    paid_on: date,
    method: str,
    reference: str | None = None,
    foreign: Foreign | None = None,
) -> Invoice:
    """Money received for one invoice: at most its balance; PARTIALLY_PAID, then PAID."""
    return await record_invoice_payment(
        caller,
        invoice_id,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        foreign=foreign,
    )


async def cancel_invoice(caller: Caller, invoice_id: int | None, *, reason: str) -> Invoice:
    """A cancelled invoice is no longer live: the student can be billed again; never once paid.

    Its whole balance is credited by a credit note issued today, beside it in the ledger.
    """
    return await credit_notes.cancel_invoice(caller, invoice_id, reason=reason)
