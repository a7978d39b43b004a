"""Payment imports: a statement read into lines, previewed, then confirmed at once."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import (
    big_pk,
    count,
    created_at,
    fk,
    moment,
    money,
    optional_fk,
    school_fk,
    sum_money,
)

if TYPE_CHECKING:
    from domain.models.accounts import User
    from domain.models.invoices import Payment
    from domain.models.school import School, Student


class ImportFormat(StrEnum):
    MPESA_STATEMENT = "MPESA_STATEMENT"
    SIMPLE_CSV = "SIMPLE_CSV"


class ImportStatus(StrEnum):
    DRAFT = "DRAFT"
    CONFIRMED = "CONFIRMED"


class ImportLineStatus(StrEnum):
    MATCHED = "MATCHED"
    UNMATCHED = "UNMATCHED"
    DUPLICATE = "DUPLICATE"
    INVALID = "INVALID"


class PaymentImport(Model):
    """A statement of payments: nothing is paid before it is confirmed."""

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("payment_imports")
    school_id: int
    format = fields.CharEnumField(ImportFormat, max_length=16)
    status = fields.CharEnumField(ImportStatus, max_length=16, default=ImportStatus.DRAFT)
    matched_count = count()
    matched_amount = sum_money()
    unmatched_count = count()
    duplicate_count = count()
    invalid_count = count()
    created_at = created_at()
    created_by: fields.ForeignKeyNullableRelation[User] = optional_fk(
        "User", "payment_imports", fields.SET_NULL
    )
    created_by_id: int | None
    confirmed_at = moment()

    class Meta:
        table = "payment_import"
        indexes = (("school_id", "created_at"),)


class PaymentImportLine(Model):
    """One data row of an import (rowNumber counts data rows from 1) and what it will do."""

    id = big_pk()
    payment_import: fields.ForeignKeyRelation[PaymentImport] = fk(
        "PaymentImport", "lines", fields.CASCADE
    )
    payment_import_id: int
    row_number = fields.IntField()
    status = fields.CharEnumField(ImportLineStatus, max_length=16)
    transaction_reference = fields.CharField(max_length=200, null=True)
    paid_on = fields.DateField(null=True)
    amount = money(null=True)
    account_reference = fields.CharField(max_length=200, null=True)
    # No database constraint on the student and payment of a line: checking them costs
    # about half of writing a 20,000-row preview, and a line is a draft the code fills from
    # rows it has just read (a line's student and payment are only ever set by this module).
    student: fields.ForeignKeyNullableRelation[Student] = fields.ForeignKeyField(
        "models.Student",
        related_name="import_lines",
        null=True,
        on_delete=fields.NO_ACTION,
        db_constraint=False,
    )
    student_id: int | None
    message = fields.CharField(max_length=300, null=True)
    payment: fields.ForeignKeyNullableRelation[Payment] = fields.ForeignKeyField(
        "models.Payment",
        related_name="import_lines",
        null=True,
        on_delete=fields.NO_ACTION,
        db_constraint=False,
    )
    payment_id: int | None

    class Meta:
        table = "payment_import_line"
        # One index: a page of one status scans at most one import's rows in row order,
        # and every index more slows the 20,000-row preview.
        unique_together = (("payment_import", "row_number"),)
