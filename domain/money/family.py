"""A family's money: payments received for a family, spread over all its students' debts
together, and the family's ledger (its students' entries, each family payment once)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Unpack, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Family,
    Payment,
    PaymentAllocation,
    ReversedPart,
    Student,
)
from domain.models.audit import AuditAction
from domain.money.allocation import ZERO, pay_debts
from domain.money.ledger import Entries, Ledger, student_ledger
from domain.money.numbers import lock_school_money
from domain.money.payment_input import PaymentIn, PaymentTerms
from domain.money.payments import audit_payment, create_payment, paid_for


async def allocate_family(
    connection: BaseDBAsyncClient, payment: Payment, amount: Decimal
) -> Decimal:
    """Pay the family's students' debts together from `amount`: their opening balances first,
    then all their invoices by due date then number. Returns what is left (the family's
    credit). The caller holds the school's money lock."""
    students = Student.filter(family_id=payment.family_id).using_db(connection)
    student_ids = cast(list[int], await students.values_list("id", flat=True))
    return await pay_debts(connection, payment.school_id, payment.id, student_ids, amount)


async def apply_family_credit(connection: BaseDBAsyncClient, family_id: int) -> None:
    """Spend the family's credit (its payments' unallocated amounts, oldest first) on what
    its students owe. The caller holds the school's money lock."""
    rows = (
        await Payment.filter(family_id=family_id, reversed_at__isnull=True)
        .using_db(connection)
        .order_by("paid_on", "id")
    )
    for payment in rows:
        if Decimal(payment.unallocated_amount) <= 0:
            continue
        left = await allocate_family(connection, payment, Decimal(payment.unallocated_amount))
        await Payment.filter(id=payment.id).using_db(connection).update(unallocated_amount=left)
        if left > 0:
            break


async def keep_reversed_parts(connection: BaseDBAsyncClient, payment: Payment) -> None:
    """Before a family payment's allocations are removed, keep each student's part of it:
    their ledgers go on showing the part paid, and its reversal."""
    parts: dict[int, Decimal] = {}
    for a in await PaymentAllocation.filter(payment_id=payment.id).using_db(connection):
        parts[a.student_id] = parts.get(a.student_id, ZERO) + Decimal(a.amount)
    await ReversedPart.bulk_create(
        [
            ReversedPart(
                school_id=payment.school_id, payment_id=payment.id, student_id=s, amount=amount
            )
            for s, amount in parts.items()
        ],
        using_db=connection,
    )


async def receive_for_family(
    connection: BaseDBAsyncClient,
    family: Family,
    payment: PaymentIn,
    *,
    user_id: int | None,
) -> Payment:
    """Record money for a family and allocate it across its students; the rest stays the
    family's credit. The caller holds the school's money lock."""
    row = await create_payment(
        connection, family.school_id, None, payment, user_id=user_id, family_id=family.id
    )
    left = await allocate_family(connection, row, payment.amount)
    if left != payment.amount:
        await Payment.filter(id=row.id).using_db(connection).update(unallocated_amount=left)
        row.unallocated_amount = left
    return row


async def receive_family_payment(
    caller: Caller, family_id: int | None, **terms: Unpack[PaymentTerms]
) -> Payment:
    """Money received for a family, spread over all its students' debts oldest due first."""
    family, school, clean = await paid_for(caller, Family, family_id, "familyId", terms)
    if not await Student.filter(family_id=family.id).exists():
        raise DomainError(ErrorCode.INVALID_STATE, "The family has no students.", ["familyId"])
    async with in_transaction() as connection:
        await lock_school_money(connection, school.id)
        row = await receive_for_family(connection, family, clean, user_id=caller.user_id)
        await audit_payment(caller, AuditAction.RECEIVED_PAYMENT, row)
    return await Payment.get(id=row.id)


async def family_ledger(family: Family, on: date | None = None) -> Ledger:
    """The family's students' entries with each family payment once for its whole amount;
    balance = the students' balances less the family's credit."""
    students = await Student.filter(family_id=family.id).order_by("id")
    ledgers = [await student_ledger(s, on) for s in students]
    payments = await Payment.filter(family_id=family.id).order_by("id")
    first_student = {
        a.payment_id: a.student_id
        for a in await PaymentAllocation.filter(payment__family_id=family.id).order_by("-id")
    }
    family_payments = {p.id for p in payments}
    book = Entries()
    for lg in ledgers:
        for e in lg.entries:
            if e.payment_id in family_payments:
                continue  # a family payment's part (or its reversal): the whole is added below
            book.add(e)
    default_student = students[0].id if students else 0
    for p in payments:
        student_id = first_student.get(p.id, default_student)
        book.add_payment(p, student_id, f"Family payment ({p.method})", Decimal(p.amount))
        book.add_reversal(p, student_id)
    entries, _ = book.balanced()
    credit = sum((Decimal(p.unallocated_amount) for p in payments if p.reversed_at is None), ZERO)
    balance = sum((lg.balance for lg in ledgers), ZERO) - credit
    return Ledger(
        None,
        entries,
        balance,
        credit,
        sum((lg.overdue_amount for lg in ledgers), ZERO),
        sum((lg.opening_balance for lg in ledgers), ZERO),
    )


async def get_family_ledger(caller: Caller, family_id: int) -> Ledger:
    family = await get_visible(caller, Family, family_id, "Family")
    return await family_ledger(family)
