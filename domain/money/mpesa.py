"""M-Pesa (Daraja C2B): the school's webhook secret, recording a confirmed payment at once,
and allocating it after (matched by admission or invoice number, or assigned by hand)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school, get_visible
from domain.db import conn, is_postgres, sql
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Invoice,
    MobileMoneyStatus,
    MobileMoneyTransaction,
    MpesaWebhook,
    PaymentChannel,
    Role,
    School,
    Student,
)
from domain.models.audit import AuditAction
from domain.money.numbers import lock_school_money
from domain.money.payment_input import PaymentIn
from domain.money.payments import receive_for_student
from domain.validation import CENT, MAX_AMOUNT

#: Daraja's TransTime is Nairobi time (EAT, UTC+3 all year: Kenya keeps no summer time).
NAIROBI = timezone(timedelta(hours=3), "EAT")
#: Who assigns unmatched payments; rotating the secret is ADMIN's alone.
ASSIGN_ROLE = Role.FINANCE
ROTATE_ROLE = Role.ADMIN
WEBHOOK_PREFIX = "/webhooks/mpesa"
TRANS_ID_MAX = 64
TEXT_MAX = 200


class BadCallback(ValueError):
    """A callback that cannot be recorded (missing id, unreadable amount)."""


@dataclass(frozen=True)
class C2BPayment:
    """A Daraja C2B callback, read."""

    trans_id: str
    amount: Decimal
    received_at: datetime
    short_code: str
    bill_ref: str
    payer_name: str | None
    msisdn: str | None

    @property
    def paid_on(self) -> date:
        return self.received_at.astimezone(NAIROBI).date()


def _text(body: dict[str, Any], key: str, limit: int = TEXT_MAX) -> str:
    value = body.get(key)
    return str(value).strip()[:limit] if value is not None else ""


def parse_c2b(body: Any) -> C2BPayment:
    """Read Daraja's JSON: TransAmount is a string, TransTime YYYYMMDDHHmmss in Nairobi time."""
    if not isinstance(body, dict):
        raise BadCallback("not a JSON object")
    trans_id = _text(body, "TransID", TRANS_ID_MAX + 1)
    if not trans_id or len(trans_id) > TRANS_ID_MAX:
        raise BadCallback("TransID")
    try:
        amount = Decimal(str(body.get("TransAmount", "")).strip())
    except InvalidOperation as exc:
        raise BadCallback("TransAmount") from exc
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise BadCallback("TransAmount")
    amount = amount.quantize(CENT)
    try:
        local = datetime.strptime(_text(body, "TransTime"), "%Y%m%d%H%M%S")
        received_at = local.replace(tzinfo=NAIROBI).astimezone(UTC)
    except ValueError:
        received_at = datetime.now(UTC)  # the money is in: record it at the time it came
    names = [_text(body, k) for k in ("FirstName", "MiddleName", "LastName")]
    return C2BPayment(
        trans_id=trans_id,
        amount=amount,
        received_at=received_at,
        short_code=_text(body, "BusinessShortCode", 20),
        bill_ref=_text(body, "BillRefNumber"),
        payer_name=" ".join(n for n in names if n) or None,
        msisdn=_text(body, "MSISDN", 32) or None,
    )


_SEPARATORS = re.compile(r"[\s\-]+")


def normalise(reference: str) -> str:
    """What a parent typed, as a key: case, spaces, dashes and a leading '#' ignored."""
    return _SEPARATORS.sub("", reference.strip().lstrip("#")).upper()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def webhook_for(secret: str) -> MpesaWebhook | None:
    """The school whose secret this is (looked up by hash), or None."""
    if not secret or len(secret) > 200:
        return None
    return await MpesaWebhook.filter(secret_hash=_hash(secret)).first()


async def rotate_secret(caller: Caller, school_id: int | None) -> str:
    """A new secret for the school's webhook, shown once; the old one stops working."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(ROTATE_ROLE, school.id)
    secret = secrets.token_urlsafe(32)
    async with in_transaction():
        updated = await MpesaWebhook.filter(school_id=school.id).update(
            secret_hash=_hash(secret), rotated_at=datetime.now(UTC)
        )
        if not updated:
            await MpesaWebhook.create(
                school_id=school.id, secret_hash=_hash(secret), rotated_at=datetime.now(UTC)
            )
        await audit.record(caller, AuditAction.ROTATED_MPESA_SECRET, school, school_id=school.id)
    return secret


async def short_code_accepted(hook: MpesaWebhook, payment_short_code: str) -> bool:
    """Only payments to the school's own paybill (its profile's mpesaShortCode) are its."""
    school = await School.get(id=hook.school_id)
    code = school.mpesa_short_code
    return code is not None and code.strip() == payment_short_code.strip()


async def record(hook: MpesaWebhook, payment: C2BPayment) -> int:
    """Store a confirmed payment once per TransID (a redelivery changes nothing); its id."""
    connection = conn()
    conflict = "ON CONFLICT (school_id, transaction_id) DO NOTHING"
    now = datetime.now(UTC)
    values = [
        hook.school_id,
        payment.trans_id,
        payment.amount if is_postgres(connection) else str(payment.amount),
        payment.received_at,
        payment.paid_on,
        payment.bill_ref,
        payment.payer_name,
        payment.msisdn,
        payment.short_code,
        MobileMoneyStatus.UNMATCHED.value,
        now,
    ]
    await connection.execute_query(
        sql(
            connection,
            f"""INSERT INTO mobile_money_transaction
                (school_id, transaction_id, amount, received_at, paid_on, account_reference,
                 payer_name, msisdn, short_code, status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) {conflict}""",
        ),
        values,
    )
    row = await MobileMoneyTransaction.get(
        school_id=hook.school_id, transaction_id=payment.trans_id
    )
    return row.id


async def match_student(school_id: int, reference: str) -> int | None:
    """The student an account reference names: an admission number or an invoice number."""
    key = normalise(reference)
    if not key:
        return None
    found = await Student.filter(school_id=school_id, admission_number=key).first()
    if found is None:
        # Typed with other spacing or case: compare normalised (a scan of one school).
        connection = conn()
        _, rows = await connection.execute_query(
            sql(
                connection,
                "SELECT id FROM student WHERE school_id = $1 AND "
                "UPPER(REPLACE(REPLACE(admission_number, ' ', ''), '-', '')) = $2 "
                "ORDER BY id LIMIT 1",
            ),
            [school_id, key],
        )
        if rows:
            return int(dict(rows[0])["id"])
        number = re.fullmatch(r"INV(\d{4})(\d{6,})", key)
        if number is None:
            return None
        invoice = await Invoice.filter(
            school_id=school_id, number=f"INV-{number.group(1)}-{number.group(2)}"
        ).first()
        return invoice.student_id if invoice else None
    return found.id


async def allocate_transaction(transaction_pk: int) -> None:
    """Pay the matched student from a recorded M-Pesa payment (safe to run twice)."""
    row = await MobileMoneyTransaction.get_or_none(id=transaction_pk)
    if row is None or row.processed_at is not None:
        return
    student_id = await match_student(row.school_id, row.account_reference)
    async with in_transaction() as connection:
        await lock_school_money(connection, row.school_id)
        locked = await MobileMoneyTransaction.filter(id=row.id).using_db(connection).get()
        if locked.processed_at is not None or locked.payment_id is not None:
            return
        payment_id = None
        if student_id is not None:
            payment = await receive_for_student(
                connection, row.school_id, student_id, _payment_in(locked), user_id=None
            )
            payment_id = payment.id
        await (
            MobileMoneyTransaction.filter(id=row.id)
            .using_db(connection)
            .update(
                processed_at=datetime.now(UTC),
                payment_id=payment_id,
                student_id=student_id,
                status=MobileMoneyStatus.MATCHED if student_id else MobileMoneyStatus.UNMATCHED,
            )
        )


def _payment_in(row: MobileMoneyTransaction) -> PaymentIn:
    return PaymentIn(
        amount=Decimal(row.amount),
        paid_on=row.paid_on,
        method="M-Pesa",
        reference=row.transaction_id,
        channel=PaymentChannel.MPESA,
    )


async def assign_transaction(
    caller: Caller, transaction_pk: int | None, student_id: int | None
) -> MobileMoneyTransaction:
    """A bursar pays a student from an UNMATCHED M-Pesa payment; paidOn stays its date."""
    row = await get_visible(
        caller, MobileMoneyTransaction, transaction_pk, "Transaction", ["transactionId"]
    )
    caller.require(ASSIGN_ROLE, row.school_id)
    student = await get_visible(caller, Student, student_id, "Student", ["studentId"])
    if student.school_id != row.school_id:
        raise DomainError(
            ErrorCode.MISMATCHED_SCHOOL, "The student is of another school.", ["studentId"]
        )
    async with in_transaction() as connection:
        await lock_school_money(connection, row.school_id)
        locked = await MobileMoneyTransaction.filter(id=row.id).using_db(connection).get()
        if locked.payment_id is not None or locked.status != MobileMoneyStatus.UNMATCHED:
            raise DomainError(ErrorCode.INVALID_STATE, "The payment is already matched.")
        payment = await receive_for_student(
            connection, row.school_id, student.id, _payment_in(locked), user_id=caller.user_id
        )
        await (
            MobileMoneyTransaction.filter(id=row.id)
            .using_db(connection)
            .update(
                processed_at=locked.processed_at or datetime.now(UTC),
                payment_id=payment.id,
                student_id=student.id,
                status=MobileMoneyStatus.ASSIGNED,
            )
        )
        await audit.record(
            caller, AuditAction.ASSIGNED_TRANSACTION, locked, school_id=row.school_id
        )
    return await MobileMoneyTransaction.get(id=row.id)


async def transactions(
    caller: Caller, school_id: int | None, statuses: list[MobileMoneyStatus] | None
) -> QuerySet[MobileMoneyTransaction]:
    """A visible school's M-Pesa payments, newest first."""
    school = await get_school(caller, school_id, ["schoolId"])
    qs = MobileMoneyTransaction.filter(school_id=school.id)
    if statuses:
        qs = qs.filter(status__in=[MobileMoneyStatus(s) for s in statuses])
    return qs.order_by("-received_at", "-id")
