"""After the run: recording payments against invoices and cancelling them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_visible
from domain.db import is_postgres
from domain.errors import DomainError, ErrorCode, Problems
from domain.invoice_search import balance_of, today
from domain.models import Invoice, InvoiceStatus, Payment, Role
from domain.validation import clean_amount, clean_text

#: Who may record payments and cancel invoices.
INVOICE_ROLE = Role.FINANCE

#: Days a payment date may lie ahead of today in UTC (a school east of UTC is a day ahead).
PAID_ON_LEEWAY_DAYS = 1

METHOD_MAX = 50
REFERENCE_MAX = 200
REASON_MAX = 500


async def lock_invoice(connection: BaseDBAsyncClient, invoice_id: int) -> Invoice:
    """Re-read an invoice inside a transaction, locked against concurrent payments.

    PostgreSQL locks the row; SQLite serialises whole write transactions instead.
    """
    qs = Invoice.filter(id=invoice_id).using_db(connection)
    if is_postgres(connection):
        qs = qs.select_for_update()
    return await qs.get()


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
) -> Invoice:
    """Money received: at most the balance; the invoice becomes PARTIALLY_PAID, then PAID."""
    invoice = await get_invoice(caller, invoice_id)
    caller.require(INVOICE_ROLE, invoice.school_id)
    problems = Problems()
    value = clean_amount(problems, amount, "amount", positive=True)
    clean_method = clean_text(problems, method, "method", max_length=METHOD_MAX)
    clean_reference = clean_text(
        problems, reference, "reference", max_length=REFERENCE_MAX, required=False
    )
    if paid_on > today() + timedelta(days=PAID_ON_LEEWAY_DAYS):
        problems.add(
            ErrorCode.INVALID_INPUT, "The payment date may not be in the future.", "paidOn"
        )
    problems.raise_if_any()
    assert value is not None and clean_method is not None

    async with in_transaction() as connection:
        locked = await lock_invoice(connection, invoice.id)
        if locked.status == InvoiceStatus.CANCELLED:
            raise DomainError(ErrorCode.INVALID_STATE, "A cancelled invoice takes no payments.")
        if locked.status == InvoiceStatus.PAID:
            raise DomainError(ErrorCode.INVALID_STATE, "The invoice is paid in full.")
        balance = balance_of(locked)
        if value > balance:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"The amount is more than the balance of {balance:.2f}.",
                ["amount"],
            )
        paid = Decimal(locked.amount_paid) + value
        status = (
            InvoiceStatus.PAID if paid == Decimal(locked.total) else InvoiceStatus.PARTIALLY_PAID
        )
        payment = await Payment.create(
            invoice_id=locked.id,
            amount=value,
            paid_on=paid_on,
            method=clean_method,
            reference=clean_reference,
            recorded_by_id=caller.user_id,
            using_db=connection,
        )
        await (
            Invoice.filter(id=locked.id)
            .using_db(connection)
            .update(amount_paid=paid, status=status)
        )
        await audit.record(
            caller,
            audit.AuditAction.RECORDED_PAYMENT,
            payment,
            school_id=locked.school_id,
            amount=str(value),
        )
    return await Invoice.get(id=invoice.id)


async def cancel_invoice(caller: Caller, invoice_id: int | None, *, reason: str) -> Invoice:
    """A cancelled invoice is no longer live: the student can be billed again; never once paid."""
    invoice = await get_invoice(caller, invoice_id)
    caller.require(INVOICE_ROLE, invoice.school_id)
    problems = Problems()
    clean_reason = clean_text(problems, reason, "reason", max_length=REASON_MAX)
    problems.raise_if_any()

    async with in_transaction() as connection:
        locked = await lock_invoice(connection, invoice.id)
        if locked.status == InvoiceStatus.CANCELLED:
            raise DomainError(ErrorCode.INVALID_STATE, "The invoice is already cancelled.")
        paid = Decimal(locked.amount_paid) > 0
        if paid or await Payment.filter(invoice_id=locked.id).using_db(connection).exists():
            raise DomainError(
                ErrorCode.INVALID_STATE, "An invoice with payments cannot be cancelled."
            )
        await (
            Invoice.filter(id=locked.id)
            .using_db(connection)
            .update(
                status=InvoiceStatus.CANCELLED,
                cancelled_at=datetime.now(UTC),
                cancellation_reason=clean_reason,
            )
        )
        await audit.record(
            caller, audit.AuditAction.CANCELLED_INVOICE, locked, school_id=locked.school_id
        )
    return await Invoice.get(id=invoice.id)
