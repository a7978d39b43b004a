"""Invoices, their lines and the payments against them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.models.accounts import User
    from domain.models.billing import BillingRun
    from domain.models.fees import FeeStructure
    from domain.models.school import School, Student, Term


class InvoiceStatus(StrEnum):
    """An invoice is live unless CANCELLED."""

    ISSUED = "ISSUED"
    SENT = "SENT"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


class LineKind(StrEnum):
    """A CHARGE of a fee item, or a DISCOUNT (negative)."""

    CHARGE = "CHARGE"
    DISCOUNT = "DISCOUNT"


class Invoice(Model):
    """What one student owes for one fee structure and term.

    A partial unique index (migration 0001) lets a student hold one live invoice per fee
    structure and term, whatever runs overlap.
    """

    id = fields.BigIntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="invoices", on_delete=fields.CASCADE
    )
    school_id: int
    student: fields.ForeignKeyRelation[Student] = fields.ForeignKeyField(
        "models.Student", related_name="invoices", on_delete=fields.RESTRICT
    )
    student_id: int
    term: fields.ForeignKeyRelation[Term] = fields.ForeignKeyField(
        "models.Term", related_name="invoices", on_delete=fields.RESTRICT
    )
    term_id: int
    fee_structure: fields.ForeignKeyRelation[FeeStructure] = fields.ForeignKeyField(
        "models.FeeStructure", related_name="invoices", on_delete=fields.RESTRICT
    )
    fee_structure_id: int
    billing_run: fields.ForeignKeyNullableRelation[BillingRun] = fields.ForeignKeyField(
        "models.BillingRun", related_name="invoices", null=True, on_delete=fields.RESTRICT
    )
    billing_run_id: int | None
    number = fields.CharField(max_length=32)
    invoice_date = fields.DateField()
    due_date = fields.DateField()
    status = fields.CharEnumField(InvoiceStatus, max_length=16, default=InvoiceStatus.ISSUED)
    total = fields.DecimalField(max_digits=12, decimal_places=2)
    amount_paid = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancellation_reason = fields.TextField(null=True)

    class Meta:
        table = "invoice"
        unique_together = (("school", "number"),)
        indexes = (("billing_run_id", "id"), ("school_id", "created_at"))


class InvoiceLine(Model):
    """One fee item on an invoice - the description is the fee item's name."""

    id = fields.BigIntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="lines", on_delete=fields.CASCADE
    )
    invoice_id: int
    fee_item_id = fields.IntField(null=True)
    kind = fields.CharEnumField(LineKind, max_length=16, default=LineKind.CHARGE)
    discount_id = fields.IntField(null=True)
    position = fields.IntField(default=0)
    description = fields.CharField(max_length=200)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "invoice_line"


class Payment(Model):
    """Money received against an invoice."""

    id = fields.BigIntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="payments", on_delete=fields.RESTRICT
    )
    invoice_id: int
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    paid_on = fields.DateField()
    method = fields.CharField(max_length=50)
    reference = fields.CharField(max_length=200, null=True)
    recorded_at = fields.DatetimeField(auto_now_add=True)
    recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recorded_payments", null=True, on_delete=fields.SET_NULL
    )
    recorded_by_id: int | None

    class Meta:
        table = "payment"
