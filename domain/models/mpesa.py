"""M-Pesa: the school's webhook secret and the payments Daraja confirms to it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import big_pk, created_at, moment, money, optional_fk, pk, school_fk

if TYPE_CHECKING:
    from domain.models.invoices import Payment
    from domain.models.school import School, Student


class MobileMoneyStatus(StrEnum):
    """Whether a received payment found its student."""

    MATCHED = "MATCHED"
    UNMATCHED = "UNMATCHED"
    ASSIGNED = "ASSIGNED"


class MpesaWebhook(Model):
    """The hash of a school's webhook secret (the secret is shown once)."""

    id = pk()
    school: fields.OneToOneRelation[School] = fields.OneToOneField(
        "models.School", related_name="mpesa_webhook", on_delete=fields.CASCADE
    )
    school_id: int
    secret_hash = fields.CharField(max_length=64, unique=True)
    rotated_at = fields.DatetimeField()

    class Meta:
        table = "mpesa_webhook"


class MobileMoneyTransaction(Model):
    """One M-Pesa payment as Daraja confirmed it: recorded at once, allocated after.

    One row per TransID and school, however often it is delivered. `processed_at` is set when
    matching was tried, and `payment` once it paid a student.
    """

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("mobile_money")
    school_id: int
    transaction_id = fields.CharField(max_length=64)
    amount = money()
    received_at = fields.DatetimeField()
    paid_on = fields.DateField()
    account_reference = fields.CharField(max_length=200)
    payer_name = fields.CharField(max_length=200, null=True)
    msisdn = fields.CharField(max_length=32, null=True)
    short_code = fields.CharField(max_length=20)
    status = fields.CharEnumField(
        MobileMoneyStatus, max_length=16, default=MobileMoneyStatus.UNMATCHED
    )
    student: fields.ForeignKeyNullableRelation[Student] = optional_fk("Student", "mobile_money")
    student_id: int | None
    payment: fields.ForeignKeyNullableRelation[Payment] = optional_fk("Payment", "mobile_money")
    payment_id: int | None
    processed_at = moment()
    created_at = created_at()

    class Meta:
        table = "mobile_money_transaction"
        unique_together = (("school", "transaction_id"),)
        indexes = (("school_id", "received_at"),)
