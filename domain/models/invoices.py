"""Invoices, their lines, and the money against them: payments, allocations, credit notes."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import (
    added_money,
    big_pk,
    created_at,
    fk,
    moment,
    money,
    optional_fk,
    school_fk,
)

if TYPE_CHECKING:
    from domain.models.accounts import User
    from domain.models.billing import BillingRun
    from domain.models.fees import FeeStructure
    from domain.models.pricing import Family
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

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("invoices")
    school_id: int
    student: fields.ForeignKeyRelation[Student] = fk("Student", "invoices")
    student_id: int
    term: fields.ForeignKeyRelation[Term] = fk("Term", "invoices")
    term_id: int
    fee_structure: fields.ForeignKeyRelation[FeeStructure] = fk("FeeStructure", "invoices")
    fee_structure_id: int
    billing_run: fields.ForeignKeyNullableRelation[BillingRun] = optional_fk(
        "BillingRun", "invoices"
    )
    billing_run_id: int | None
    number = fields.CharField(max_length=32)
    invoice_date = fields.DateField()
    due_date = fields.DateField()
    status = fields.CharEnumField(InvoiceStatus, max_length=16, default=InvoiceStatus.ISSUED)
    total = money()
    # Sum of the allocations to this invoice (kept in step with them, in their transaction).
    amount_paid = money(default=0)
    #: Sum of the invoice's credit notes: balance = total - amount_paid - credited_amount.
    credited_amount = added_money()
    #: The student's balance (older debts less payments and credit) when this was created.
    previous_balance = added_money()
    created_at = created_at()
    sent_at = moment()
    cancelled_at = moment()
    cancellation_reason = fields.TextField(null=True)

    class Meta:
        table = "invoice"
        unique_together = (("school", "number"),)
        indexes = (("billing_run_id", "id"), ("school_id", "created_at"))


class InvoiceLine(Model):
    """One fee item on an invoice - the description is the fee item's name."""

    id = big_pk()
    invoice: fields.ForeignKeyRelation[Invoice] = fk("Invoice", "lines", fields.CASCADE)
    invoice_id: int
    fee_item_id = fields.IntField(null=True)
    kind = fields.CharEnumField(LineKind, max_length=16, default=LineKind.CHARGE)
    discount_id = fields.IntField(null=True)
    position = fields.IntField(default=0)
    description = fields.CharField(max_length=200)
    amount = money()

    class Meta:
        table = "invoice_line"


class PaymentChannel(StrEnum):
    """Where a payment came from."""

    MANUAL = "MANUAL"
    MPESA = "MPESA"
    IMPORT = "IMPORT"


class Payment(Model):
    """Money received for a student, spread over invoices by its allocations.

    `unallocated_amount` is what no invoice has taken yet (the student's credit), and a reversed
    payment has no allocations and nothing unallocated. Receipt numbers are gap-free per school.
    """

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("payments")
    school_id: int
    student: fields.ForeignKeyNullableRelation[Student] = optional_fk("Student", "payments")
    student_id: int | None
    #: The family paid for (receivePayment with a familyId); then `student` is null and the
    #: allocations name each student paid for.
    family: fields.ForeignKeyNullableRelation[Family] = optional_fk("Family", "payments")
    family_id: int | None
    #: The invoice named by recordPayment, null for a payment received for the student.
    invoice: fields.ForeignKeyNullableRelation[Invoice] = optional_fk("Invoice", "payments")
    invoice_id: int | None
    receipt_number = fields.CharField(max_length=32)
    channel = fields.CharEnumField(
        PaymentChannel,
        max_length=8,
        default=PaymentChannel.MANUAL,
        db_default=fields.SqlDefault("'MANUAL'"),
    )
    amount = money()
    unallocated_amount = added_money()
    paid_on = fields.DateField()
    method = fields.CharField(max_length=50)
    reference = fields.CharField(max_length=200, null=True)
    received_amount = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    received_currency = fields.CharField(max_length=3, null=True)
    exchange_rate = fields.DecimalField(max_digits=18, decimal_places=8, null=True)
    recorded_at = created_at()
    recorded_by: fields.ForeignKeyNullableRelation[User] = optional_fk(
        "User", "recorded_payments", fields.SET_NULL
    )
    recorded_by_id: int | None
    reversed_at = moment()
    reversal_reason = fields.TextField(null=True)
    reversed_by: fields.ForeignKeyNullableRelation[User] = optional_fk(
        "User", "reversed_payments", fields.SET_NULL
    )
    reversed_by_id: int | None

    class Meta:
        table = "payment"


class PaymentAllocation(Model):
    """The part of a payment (or of a negative opening balance) that went to one debt.

    A null invoice is the student's opening balance, and a null payment is credit spent from a
    negative opening balance.
    """

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("allocations")
    school_id: int
    student: fields.ForeignKeyRelation[Student] = fk("Student", "allocations")
    student_id: int
    payment: fields.ForeignKeyNullableRelation[Payment] = optional_fk(
        "Payment", "allocations", fields.CASCADE
    )
    payment_id: int | None
    invoice: fields.ForeignKeyNullableRelation[Invoice] = optional_fk("Invoice", "allocations")
    invoice_id: int | None
    amount = money()
    created_at = created_at()

    class Meta:
        table = "payment_allocation"
        indexes = (("invoice_id",), ("payment_id",), ("student_id",))


class CreditNote(Model):
    """A note that takes an amount off an invoice's balance, the invoice kept as issued."""

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("credit_notes")
    school_id: int
    invoice: fields.ForeignKeyRelation[Invoice] = fk("Invoice", "credit_notes")
    invoice_id: int
    student: fields.ForeignKeyRelation[Student] = fk("Student", "credit_notes")
    student_id: int
    number = fields.CharField(max_length=32)
    amount = money()
    reason = fields.TextField()
    issued_on = fields.DateField()
    created_at = created_at()
    created_by: fields.ForeignKeyNullableRelation[User] = optional_fk(
        "User", "credit_notes", fields.SET_NULL
    )
    created_by_id: int | None

    class Meta:
        table = "credit_note"
        indexes = (("invoice_id",), ("student_id",))


class OpeningBalance(Model):
    """What a student owed (or was owed, when negative) before this system's first invoice.

    `allocated` is how much of it is settled: paid (a debt) or spent on invoices (a credit).
    """

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("opening_balances")
    school_id: int
    student: fields.OneToOneRelation[Student] = fields.OneToOneField(
        "models.Student", related_name="opening_balance", on_delete=fields.CASCADE
    )
    student_id: int
    amount = money()
    allocated = money(default=0)
    as_of = fields.DateField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "opening_balance"
