"""The audit log: who did what to which object, in which school, and when."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import big_pk, created_at, fk, optional_fk

if TYPE_CHECKING:
    from domain.models.accounts import Account, User
    from domain.models.school import School


class AuditAction(StrEnum):
    """The actions worth answering for: money, invoices, people and their tokens."""

    CREATED_RUN = "CREATED_RUN"
    PREVIEWED_RUN = "PREVIEWED_RUN"
    CONFIRMED_RUN = "CONFIRMED_RUN"
    DELETED_RUN = "DELETED_RUN"
    RETRIED_RUN = "RETRIED_RUN"
    SENT_INVOICES = "SENT_INVOICES"
    CANCELLED_INVOICE = "CANCELLED_INVOICE"
    RECORDED_PAYMENT = "RECORDED_PAYMENT"
    RECEIVED_PAYMENT = "RECEIVED_PAYMENT"
    REVERSED_PAYMENT = "REVERSED_PAYMENT"
    ISSUED_CREDIT_NOTE = "ISSUED_CREDIT_NOTE"
    SET_OPENING_BALANCES = "SET_OPENING_BALANCES"
    ROTATED_MPESA_SECRET = "ROTATED_MPESA_SECRET"
    ASSIGNED_TRANSACTION = "ASSIGNED_TRANSACTION"
    CREATED_PAYMENT_IMPORT = "CREATED_PAYMENT_IMPORT"
    ASSIGNED_IMPORT_LINE = "ASSIGNED_IMPORT_LINE"
    CONFIRMED_PAYMENT_IMPORT = "CONFIRMED_PAYMENT_IMPORT"
    DELETED_PAYMENT_IMPORT = "DELETED_PAYMENT_IMPORT"
    CREATED_USER = "CREATED_USER"
    REVOKED_TOKEN = "REVOKED_TOKEN"
    CREATED_FEE_CATEGORY = "CREATED_FEE_CATEGORY"
    CREATED_FAMILY = "CREATED_FAMILY"
    SUBSCRIBED_STUDENTS = "SUBSCRIBED_STUDENTS"
    ENDED_SUBSCRIPTIONS = "ENDED_SUBSCRIPTIONS"
    CREATED_DISCOUNT = "CREATED_DISCOUNT"
    ASSIGNED_DISCOUNT = "ASSIGNED_DISCOUNT"
    ENDED_DISCOUNTS = "ENDED_DISCOUNTS"
    UPDATED_SCHOOL_PROFILE = "UPDATED_SCHOOL_PROFILE"
    SET_REMINDER_POLICY = "SET_REMINDER_POLICY"


class AuditEvent(Model):
    """One action by one user, written in the transaction of the action itself.

    The object is kept by type name and primary key, not by foreign key, so that the event
    outlives a deleted DRAFT run. School is null for account-wide actions (users, tokens).
    """

    id = big_pk()
    account: fields.ForeignKeyRelation[Account] = fk("Account", "audit_events", fields.CASCADE)
    account_id: int
    school: fields.ForeignKeyNullableRelation[School] = optional_fk(
        "School", "audit_events", fields.CASCADE
    )
    school_id: int | None
    user: fields.ForeignKeyNullableRelation[User] = optional_fk(
        "User", "audit_events", fields.SET_NULL
    )
    user_id: int | None
    action = fields.CharEnumField(AuditAction, max_length=32)
    object_type = fields.CharField(max_length=50)
    object_pk = fields.BigIntField(null=True)
    detail: dict[str, Any] = fields.JSONField(default=dict)
    created_at = created_at()

    class Meta:
        table = "audit_event"
        indexes = (("account_id", "created_at"), ("school_id", "created_at"))
