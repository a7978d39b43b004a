"""Payment imports: read a statement into a DRAFT (every row MATCHED, UNMATCHED, DUPLICATE or
INVALID, nothing paid), assign rows by hand, then confirm once: the MATCHED rows are paid."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school, get_visible
from domain.errors import DomainError, ErrorCode
from domain.models import (
    ImportFormat,
    ImportLineStatus,
    ImportStatus,
    PaymentImport,
    PaymentImportLine,
    Role,
    Student,
)
from domain.models.audit import AuditAction
from domain.money.import_confirm import pay_matched_lines
from domain.money.import_lines import classify, insert_lines, key, known_references, matcher
from domain.money.numbers import lock_school_money
from domain.money.statement import Row, UnreadableFile, read_rows

IMPORT_ROLE = Role.FINANCE
#: Largest file taken, in characters (20,000 rows of a portal export are about 4 MB).
MAX_CONTENT = 8_000_000


async def create_payment_import(
    caller: Caller, school_id: int | None, fmt: ImportFormat, content: str
) -> PaymentImport:
    """Read a statement into a DRAFT import; nothing is paid yet."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(IMPORT_ROLE, school.id)
    if len(content) > MAX_CONTENT:
        raise DomainError(ErrorCode.INVALID_INPUT, "The file is too large.", ["content"])
    try:
        rows = list(read_rows(ImportFormat(fmt), content))
    except UnreadableFile as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, str(exc), ["content"]) from exc
    known = await known_references(school.id)
    students = await matcher(school.id, rows)
    lines: list[tuple[Row, ImportLineStatus, int | None, str | None]] = []
    for row in rows:
        status, student_id, message = classify(row, known, students)
        if status != ImportLineStatus.INVALID:
            known.add(key(row.reference))  # a second equal reference is a DUPLICATE
        lines.append((row, status, student_id, message))
    counts = {s: sum(1 for li in lines if li[1] == s) for s in ImportLineStatus}
    matched = sum(
        (li[0].amount or Decimal(0) for li in lines if li[1] == ImportLineStatus.MATCHED),
        Decimal("0.00"),
    )
    async with in_transaction() as connection:
        imp = await PaymentImport.create(
            school_id=school.id,
            format=fmt,
            matched_count=counts[ImportLineStatus.MATCHED],
            matched_amount=matched,
            unmatched_count=counts[ImportLineStatus.UNMATCHED],
            duplicate_count=counts[ImportLineStatus.DUPLICATE],
            invalid_count=counts[ImportLineStatus.INVALID],
            created_by_id=caller.user_id,
            using_db=connection,
        )
        await insert_lines(connection, imp.id, lines)
        await audit.record(
            caller, AuditAction.CREATED_PAYMENT_IMPORT, imp, school_id=school.id, rows=len(lines)
        )
    return imp


async def get_import(caller: Caller, import_id: int | None) -> PaymentImport:
    return await get_visible(
        caller, PaymentImport, import_id, "Payment import", ["paymentImportId"]
    )


async def assign_line(
    caller: Caller, import_id: int | None, row_number: int, student_id: int | None
) -> PaymentImport:
    """An UNMATCHED row of a DRAFT import pays the student named; it becomes MATCHED."""
    imp = await get_import(caller, import_id)
    caller.require(IMPORT_ROLE, imp.school_id)
    student = await get_visible(caller, Student, student_id, "Student", ["studentId"])
    if student.school_id != imp.school_id:
        raise DomainError(
            ErrorCode.MISMATCHED_SCHOOL, "The student is of another school.", ["studentId"]
        )
    async with in_transaction() as connection:
        await lock_school_money(connection, imp.school_id)
        locked = await PaymentImport.filter(id=imp.id).using_db(connection).get()
        if locked.status != ImportStatus.DRAFT:
            raise DomainError(ErrorCode.INVALID_STATE, "The import is confirmed.")
        line = (
            await PaymentImportLine.filter(payment_import_id=imp.id, row_number=row_number)
            .using_db(connection)
            .first()
        )
        if line is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such row.", ["rowNumber"])
        if line.status != ImportLineStatus.UNMATCHED:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                f"Only an UNMATCHED row is assigned; this one is {line.status}.",
            )
        await (
            PaymentImportLine.filter(id=line.id)
            .using_db(connection)
            .update(status=ImportLineStatus.MATCHED, student_id=student.id, message=None)
        )
        await (
            PaymentImport.filter(id=imp.id)
            .using_db(connection)
            .update(
                matched_count=locked.matched_count + 1,
                unmatched_count=locked.unmatched_count - 1,
                matched_amount=Decimal(locked.matched_amount) + Decimal(line.amount or 0),
            )
        )
        await audit.record(
            caller,
            AuditAction.ASSIGNED_IMPORT_LINE,
            locked,
            school_id=imp.school_id,
            row=row_number,
        )
    return await PaymentImport.get(id=imp.id)


async def confirm_import(caller: Caller, import_id: int | None) -> PaymentImport:
    """Pay every MATCHED row, at once and once: confirming again returns the import as is."""
    imp = await get_import(caller, import_id)
    caller.require(IMPORT_ROLE, imp.school_id)
    if imp.status == ImportStatus.CONFIRMED:
        return imp
    async with in_transaction() as connection:
        await lock_school_money(connection, imp.school_id)
        claimed = await (
            PaymentImport.filter(id=imp.id, status=ImportStatus.DRAFT)
            .using_db(connection)
            .update(status=ImportStatus.CONFIRMED, confirmed_at=datetime.now(UTC))
        )
        if not claimed:
            return await PaymentImport.get(id=imp.id)
        paid, late_duplicates = await pay_matched_lines(connection, imp, caller.user_id)
        if late_duplicates:
            await (
                PaymentImport.filter(id=imp.id)
                .using_db(connection)
                .update(
                    matched_count=imp.matched_count - late_duplicates,
                    duplicate_count=imp.duplicate_count + late_duplicates,
                    matched_amount=await _matched_amount(connection, imp.id),
                )
            )
        await audit.record(
            caller,
            AuditAction.CONFIRMED_PAYMENT_IMPORT,
            imp,
            school_id=imp.school_id,
            payments=paid,
        )
    return await PaymentImport.get(id=imp.id)


async def _matched_amount(connection: BaseDBAsyncClient, import_id: int) -> Decimal:
    amounts = (
        await PaymentImportLine.filter(payment_import_id=import_id, status=ImportLineStatus.MATCHED)
        .using_db(connection)
        .values_list("amount", flat=True)
    )
    return sum((Decimal(a) for a in amounts), Decimal("0.00"))


async def delete_import(caller: Caller, import_id: int | None) -> PaymentImport:
    """Drop a DRAFT import and its lines; a confirmed one stays (INVALID_STATE)."""
    imp = await get_import(caller, import_id)
    caller.require(IMPORT_ROLE, imp.school_id)
    async with in_transaction() as connection:
        deleted = (
            await PaymentImport.filter(id=imp.id, status=ImportStatus.DRAFT)
            .using_db(connection)
            .delete()
        )
        if not deleted:
            raise DomainError(ErrorCode.INVALID_STATE, "A confirmed import cannot be deleted.")
        await audit.record(caller, AuditAction.DELETED_PAYMENT_IMPORT, imp, school_id=imp.school_id)
    return imp


async def imports(caller: Caller, school_id: int | None) -> QuerySet[PaymentImport]:
    """A visible school's imports, newest first."""
    school = await get_school(caller, school_id, ["schoolId"])
    return PaymentImport.filter(school_id=school.id).order_by("-created_at", "-id")
