"""Credit notes: an amount taken off an invoice, the invoice kept as issued."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode, Problems
from domain.invoice_search import today
from domain.models import CreditNote, Invoice, InvoiceStatus, Role
from domain.models.audit import AuditAction
from domain.money.allocation import invoice_balance, move_invoice_money
from domain.money.numbers import lock_school_money, next_number
from domain.validation import clean_amount, clean_text

#: Who issues credit notes and cancels invoices.
CREDIT_ROLE = Role.FINANCE
REASON_MAX = 500


async def write_credit_note(
    connection: BaseDBAsyncClient,
    invoice: Invoice,
    amount: Decimal,
    reason: str,
    issued_on: date,
    *,
    user_id: int | None,
) -> CreditNote:
    """Number and store a credit note, and take it off the invoice; a note that brings an
    invoice with nothing paid to 0 cancels it. The caller holds the school's money lock."""
    number = await next_number(
        connection, invoice.school_id, "last_credit_note_number", "CN", issued_on
    )
    note = await CreditNote.create(
        school_id=invoice.school_id,
        invoice_id=invoice.id,
        student_id=invoice.student_id,
        number=number,
        amount=amount,
        reason=reason,
        issued_on=issued_on,
        created_by_id=user_id,
        using_db=connection,
    )
    await move_invoice_money(connection, invoice, credited=amount)
    if invoice.status == InvoiceStatus.CANCELLED:
        await (
            Invoice.filter(id=invoice.id)
            .using_db(connection)
            .update(cancelled_at=datetime.now(UTC), cancellation_reason=reason)
        )
    return note


async def issue_credit_note(
    caller: Caller,
    invoice_id: int | None,
    *,
    amount: Decimal,
    reason: str,
    issued_on: date | None = None,
) -> CreditNote:
    """Take up to the invoice's balance off it (EXCEEDS_BALANCE beyond)."""
    invoice = await get_visible(caller, Invoice, invoice_id, "Invoice", ["invoiceId"])
    caller.require(CREDIT_ROLE, invoice.school_id)
    problems = Problems()
    value = clean_amount(problems, amount, "amount", positive=True)
    clean_reason = clean_text(problems, reason, "reason", max_length=REASON_MAX)
    problems.raise_if_any()
    assert value is not None and clean_reason is not None
    async with in_transaction() as connection:
        await lock_school_money(connection, invoice.school_id)
        locked = await Invoice.filter(id=invoice.id).using_db(connection).get()
        if locked.status == InvoiceStatus.CANCELLED:
            raise DomainError(ErrorCode.INVALID_STATE, "The invoice is cancelled.")
        balance = invoice_balance(locked)
        if value > balance:
            raise DomainError(
                ErrorCode.EXCEEDS_BALANCE,
                f"The amount is more than the balance of {balance:.2f}.",
                ["amount"],
            )
        note = await write_credit_note(
            connection, locked, value, clean_reason, issued_on or today(), user_id=caller.user_id
        )
        await audit.record(
            caller,
            AuditAction.ISSUED_CREDIT_NOTE,
            note,
            school_id=locked.school_id,
            amount=str(value),
            number=note.number,
        )
    return note


async def cancel_invoice(caller: Caller, invoice_id: int | None, *, reason: str) -> Invoice:
    """Cancel an invoice with nothing paid: a credit note for its whole balance, issued today."""
    invoice = await get_visible(caller, Invoice, invoice_id, "Invoice", ["invoiceId"])
    caller.require(CREDIT_ROLE, invoice.school_id)
    problems = Problems()
    clean_reason = clean_text(problems, reason, "reason", max_length=REASON_MAX)
    problems.raise_if_any()
    assert clean_reason is not None
    async with in_transaction() as connection:
        await lock_school_money(connection, invoice.school_id)
        locked = await Invoice.filter(id=invoice.id).using_db(connection).get()
        if locked.status == InvoiceStatus.CANCELLED:
            raise DomainError(ErrorCode.INVALID_STATE, "The invoice is already cancelled.")
        if Decimal(locked.amount_paid) > 0:
            raise DomainError(
                ErrorCode.INVALID_STATE, "An invoice with payments cannot be cancelled."
            )
        balance = invoice_balance(locked)
        if balance > 0:
            await write_credit_note(
                connection, locked, balance, clean_reason, today(), user_id=caller.user_id
            )
        # A note brings the balance to 0 and so cancels; an invoice of 0 is cancelled here.
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
            caller, AuditAction.CANCELLED_INVOICE, locked, school_id=locked.school_id
        )
    return await Invoice.get(id=invoice.id)
