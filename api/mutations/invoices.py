"""Mutations on invoices after the run: send to guardians, record payments, cancel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.context import Info
from api.ids import decode_id
from api.mutations.accounts import ForeignAmountInput, payment_terms
from api.mutations.base import mutation, outcome, outcomes, payload
from api.types.common import optional
from api.types.invoices import Invoice
from domain import invoices, notifications
from workers.enqueue import dispatch_notices


@strawberry.input(description="Invoices to send to the students' guardians.")
class SendInvoicesInput:
    invoice_ids: list[strawberry.ID] = strawberry.field(description="At most 1,000 a call.")


@payload(description="The invoices sent, or why not (then none was).")
class SendInvoicesPayload:
    invoices: list[Invoice] = outcomes("The invoices, in the order given; empty on errors.")


@strawberry.input(description="Money received against an invoice.")
class RecordPaymentInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice paid.")
    amount: Decimal = strawberry.field(
        description="More than 0, at most the balance, at most 2 decimal places."
    )
    paid_on: date = strawberry.field(description="The day the money was received.")
    method: str = strawberry.field(
        description="Cash, bank transfer, mobile money, card, cheque or free text."
    )
    reference: str | None = optional("Receipt, transaction or cheque number.")
    received: ForeignAmountInput | None = optional(
        "When the money was handed over in another currency."
    )


@strawberry.input(description="An invoice to cancel, and why.")
class CancelInvoiceInput:
    invoice_id: strawberry.ID = strawberry.field(description="An invoice without payments.")
    reason: str = strawberry.field(description="Why it is cancelled; required.")


@payload(description="The invoice changed, or why not.")
class InvoicePayload:
    invoice: Invoice | None = outcome("The invoice; null on errors.")


@strawberry.type
class InvoiceMutation:
    @mutation(
        "Marks invoices SENT and notifies each student's guardian (e-mail, SMS) from the workers. All or none: a cancelled or unknown invoice refuses the call.",
        input="The invoices to send.",
    )
    async def send_invoices(self, info: Info, input: SendInvoicesInput) -> SendInvoicesPayload:
        rows = await notifications.send_invoices(
            info.context.caller,
            [decode_id(i, "Invoice") for i in input.invoice_ids],
            dispatch=dispatch_notices,
        )
        return SendInvoicesPayload(invoices=[Invoice.of(r) for r in rows])

    @mutation(
        "Records money received for one invoice (EXCEEDS_BALANCE beyond its balance); the "
        "invoice becomes PARTIALLY_PAID, then PAID.",
        input="The payment.",
    )
    async def record_payment(self, info: Info, input: RecordPaymentInput) -> InvoicePayload:
        row = await invoices.record_payment(
            info.context.caller,
            decode_id(input.invoice_id, "Invoice"),
            **payment_terms(input),
        )
        return InvoicePayload(invoice=Invoice.of(row))

    @mutation(
        "Cancels an invoice without payments with a credit note for its whole balance; the "
        "student can then be billed again.",
        input="The invoice and why.",
    )
    async def cancel_invoice(self, info: Info, input: CancelInvoiceInput) -> InvoicePayload:
        row = await invoices.cancel_invoice(
            info.context.caller, decode_id(input.invoice_id, "Invoice"), reason=input.reason
        )
        return InvoicePayload(invoice=Invoice.of(row))
