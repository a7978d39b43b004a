"""Opening balances: what each student owed (or was owed) before this system's first invoice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school
from domain.errors import ErrorCode, Problems
from domain.models import Invoice, OpeningBalance, Payment, PaymentAllocation, Role, Student
from domain.models.audit import AuditAction
from domain.money.allocation import apply_credit, move_invoice_money
from domain.money.numbers import lock_school_money
from domain.validation import CENT, MAX_AMOUNT

#: Who sets opening balances, and how many at most per call.
OPENING_ROLE = Role.FINANCE
MAX_BALANCES = 1000


@dataclass(frozen=True)
class OpeningIn:
    """One student's opening balance as given (a missing or foreign id is None)."""

    student_id: int | None
    amount: Decimal


async def set_opening_balances(
    caller: Caller, school_id: int | None, as_of: date, balances: Sequence[OpeningIn]
) -> list[Student]:
    """Set (or replace) opening balances, all or none; credit and payments re-spread."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(OPENING_ROLE, school.id)
    problems = Problems()
    if not balances:
        problems.add(ErrorCode.INVALID_INPUT, "Give at least one balance.", "balances")
    if len(balances) > MAX_BALANCES:
        problems.add(
            ErrorCode.INVALID_INPUT, f"At most {MAX_BALANCES} balances a call.", "balances"
        )
        problems.raise_if_any()
    ids = [b.student_id for b in balances if b.student_id is not None]
    found = {s.id: s for s in await Student.filter(id__in=ids, school_id=school.id)} if ids else {}
    seen: set[int] = set()
    for index, b in enumerate(balances):
        at = ("balances", str(index))
        if b.student_id is None or b.student_id not in found:
            problems.add(ErrorCode.NOT_FOUND, "Student not found.", *at, "studentId")
        elif b.student_id in seen:
            problems.add(ErrorCode.DUPLICATE, "This student is given twice.", *at, "studentId")
        else:
            seen.add(b.student_id)
        if not _is_amount(b.amount):
            problems.add(
                ErrorCode.INVALID_INPUT,
                "An amount has at most 2 decimal places and fits NUMERIC(12,2).",
                *at,
                "amount",
            )
    problems.raise_if_any()
    async with in_transaction() as connection:
        await lock_school_money(connection, school.id)
        for b in balances:
            assert b.student_id is not None
            await _replace(connection, school.id, b.student_id, Decimal(b.amount), as_of)
            await apply_credit(connection, school.id, b.student_id)
            await audit.record(
                caller,
                AuditAction.SET_OPENING_BALANCES,
                found[b.student_id],
                school_id=school.id,
                amount=str(b.amount),
                as_of=as_of.isoformat(),
            )
    return [found[b.student_id] for b in balances if b.student_id is not None]


def _is_amount(value: Decimal) -> bool:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return False
    return amount.is_finite() and abs(amount) <= MAX_AMOUNT and amount == amount.quantize(CENT)


async def _replace(
    connection: BaseDBAsyncClient, school_id: int, student_id: int, amount: Decimal, as_of: date
) -> None:
    """Undo what settled the old balance (payments get their money back as credit, invoices
    paid by an old credit owe again), then store the new one unsettled."""
    parts = await PaymentAllocation.filter(student_id=student_id).using_db(connection)
    for part in parts:
        if part.invoice_id is None and part.payment_id is not None:  # a payment paid the debt
            payment = await Payment.filter(id=part.payment_id).using_db(connection).get()
            await (
                Payment.filter(id=payment.id)
                .using_db(connection)
                .update(
                    unallocated_amount=Decimal(payment.unallocated_amount) + Decimal(part.amount)
                )
            )
            await part.delete(using_db=connection)
        elif part.payment_id is None and part.invoice_id is not None:  # old credit was spent
            invoice = await Invoice.filter(id=part.invoice_id).using_db(connection).get()
            await move_invoice_money(connection, invoice, paid=-Decimal(part.amount))
            await part.delete(using_db=connection)
    updated = (
        await OpeningBalance.filter(student_id=student_id)
        .using_db(connection)
        .update(amount=amount, allocated=Decimal("0.00"), as_of=as_of)
    )
    if not updated:
        await OpeningBalance.create(
            school_id=school_id,
            student_id=student_id,
            amount=amount,
            allocated=Decimal("0.00"),
            as_of=as_of,
            using_db=connection,
        )
