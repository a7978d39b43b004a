"""Billing runs, their stored preview and the frozen list of students they bill."""

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
    pk,
    school_fk,
    sum_money,
)
from domain.models.invoices import LineKind

if TYPE_CHECKING:
    from domain.models.accounts import User
    from domain.models.fees import FeeStructure
    from domain.models.school import Grade, School, SchoolClass, Stream, Student, Term


class RunStatus(StrEnum):
    """DRAFT -> PROCESSING -> COMPLETED | PARTIALLY_COMPLETED | FAILED."""

    DRAFT = "DRAFT"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"
    FAILED = "FAILED"


FINISHED_STATUSES = frozenset(
    {RunStatus.COMPLETED, RunStatus.PARTIALLY_COMPLETED, RunStatus.FAILED}
)


class ScopeKind(StrEnum):
    """Which students a run covers."""

    ALL_STUDENTS = "ALL_STUDENTS"
    GRADE = "GRADE"
    STREAM = "STREAM"
    SCHOOL_CLASS = "SCHOOL_CLASS"
    MANUAL = "MANUAL"


class PreviewStatus(StrEnum):
    TO_BILL = "TO_BILL"
    EXCLUDED = "EXCLUDED"


class ExclusionReason(StrEnum):
    """Why a student in scope is not billed, in order of precedence."""

    ALREADY_INVOICED = "ALREADY_INVOICED"
    INACTIVE = "INACTIVE"
    MANUAL_OVERRIDE = "MANUAL_OVERRIDE"
    NO_CHARGES = "NO_CHARGES"


class ItemStatus(StrEnum):
    """What generation did with one frozen student of a run."""

    PENDING = "PENDING"
    INVOICED = "INVOICED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class BillingRun(Model):
    """One term's billing of a fee structure to a scope of students."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("billing_runs")
    school_id: int
    term: fields.ForeignKeyRelation[Term] = fk("Term", "billing_runs")
    term_id: int
    fee_structure: fields.ForeignKeyRelation[FeeStructure] = fk("FeeStructure", "billing_runs")
    fee_structure_id: int
    name = fields.CharField(max_length=300)
    reference = fields.CharField(max_length=200, null=True)
    scope_kind = fields.CharEnumField(ScopeKind, max_length=16)
    scope_grade: fields.ForeignKeyNullableRelation[Grade] = optional_fk("Grade", "scope_grade_runs")
    scope_grade_id: int | None
    scope_stream: fields.ForeignKeyNullableRelation[Stream] = optional_fk(
        "Stream", "scope_stream_runs"
    )
    scope_stream_id: int | None
    scope_class: fields.ForeignKeyNullableRelation[SchoolClass] = optional_fk(
        "SchoolClass", "scope_class_runs"
    )
    scope_class_id: int | None
    invoice_date = fields.DateField()
    due_date = fields.DateField()
    status = fields.CharEnumField(RunStatus, max_length=24, default=RunStatus.DRAFT)

    created_by: fields.ForeignKeyRelation[User] = fk("User", "created_runs")
    created_by_id: int
    created_at = created_at()
    confirmed_by: fields.ForeignKeyNullableRelation[User] = optional_fk("User", "confirmed_runs")
    confirmed_by_id: int | None
    confirmed_at = moment()
    completed_at = moment()

    # The latest preview's figures (its lines are PreviewLine rows).
    preview_generated_at = moment()
    preview_invoice_count = count()
    preview_total = sum_money()
    preview_already_invoiced = count()
    preview_inactive = count()
    preview_manual = count()
    preview_no_charges = count()
    preview_gross = sum_money()
    preview_discount = sum_money()

    # Progress of generation; kept equal to the run's items by each chunk's transaction.
    items_total = count()
    items_invoiced = count()
    items_skipped = count()
    items_failed = count()
    invoiced_amount = sum_money()
    chunk_count = count()
    last_progress_at = moment()

    class Meta:
        table = "billing_run"
        indexes = (("school_id", "created_at"),)


class BillingRunScopeStudent(Model):
    """A hand-picked student of a MANUAL scope."""

    id = pk()
    run: fields.ForeignKeyRelation[BillingRun] = fk("BillingRun", "scope_students", fields.CASCADE)
    run_id: int
    student: fields.ForeignKeyRelation[Student] = fk("Student", "manual_scope_runs", fields.CASCADE)
    student_id: int

    class Meta:
        table = "billing_run_scope_student"
        unique_together = (("run", "student"),)


class BillingRunExclusion(Model):
    """A student left out of a run by hand (MANUAL_OVERRIDE)."""

    id = pk()
    run: fields.ForeignKeyRelation[BillingRun] = fk("BillingRun", "exclusions", fields.CASCADE)
    run_id: int
    student: fields.ForeignKeyRelation[Student] = fk("Student", "manual_exclusions", fields.CASCADE)
    student_id: int

    class Meta:
        table = "billing_run_exclusion"
        unique_together = (("run", "student"),)


class PreviewLine(Model):
    """One student of the latest preview - `position` orders the lines by name."""

    id = big_pk()
    run: fields.ForeignKeyRelation[BillingRun] = fk("BillingRun", "preview_lines", fields.CASCADE)
    run_id: int
    position = fields.IntField()
    student_id = fields.IntField()
    status = fields.CharEnumField(PreviewStatus, max_length=16)
    amount = money()
    gross_amount = money(default=0)
    discount_amount = money(default=0)
    exclusion_reason = fields.CharEnumField(ExclusionReason, max_length=24, null=True)
    existing_invoice_id = fields.BigIntField(null=True)
    #: The student whose PreviewCharge lines this student's are (same grade, category,
    #: subscriptions and discounts: same lines); null only while a preview is written.
    priced_as = fields.IntField(null=True)

    class Meta:
        table = "billing_preview_line"
        unique_together = (("run", "position"),)


class BillingRunItem(Model):
    """A student frozen at confirm - generation turns it into an invoice, a skip or a failure."""

    id = big_pk()
    run: fields.ForeignKeyRelation[BillingRun] = fk("BillingRun", "items", fields.CASCADE)
    run_id: int
    chunk = fields.IntField()
    student_id = fields.IntField()
    status = fields.CharEnumField(ItemStatus, max_length=16, default=ItemStatus.PENDING)
    amount = money(default=0)
    invoice_id = fields.BigIntField(null=True)
    message = fields.TextField(null=True)
    processed_at = moment()
    #: The student whose RunLine rows this student's invoice copies (migration 0012 set the
    #: student's own on runs confirmed before it existed).
    priced_as = fields.IntField(null=True)

    class Meta:
        table = "billing_run_item"
        unique_together = (("run", "student_id"),)
        indexes = (("run_id", "chunk", "status"),)


class PricedLine(Model):
    """One priced line of a student in a run: a CHARGE of a fee item or a DISCOUNT; also the
    line of every student priced as this one (`priced_as`)."""

    id = big_pk()
    run_id = fields.IntField()
    student_id = fields.IntField()
    position = fields.IntField()
    kind = fields.CharEnumField(LineKind, max_length=16)
    fee_item_id = fields.IntField(null=True)
    discount_id = fields.IntField(null=True)
    description = fields.CharField(max_length=200)
    amount = money()

    class Meta:
        abstract = True


class PreviewCharge(PricedLine):
    """A line of the latest preview (every student in scope, excluded ones too)."""

    class Meta:
        table = "billing_preview_charge"
        indexes = (("run_id", "student_id", "position"),)


class RunLine(PricedLine):
    """A line frozen at confirm: generation copies these into the invoices, never re-prices."""

    class Meta:
        table = "billing_run_line"
        indexes = (("run_id", "student_id", "position"),)
