"""The audit log: who did what to which object, in which school, and when."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

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
    CREATED_USER = "CREATED_USER"
    REVOKED_TOKEN = "REVOKED_TOKEN"
    UPDATED_SCHOOL_PROFILE = "UPDATED_SCHOOL_PROFILE"


class AuditEvent(Model):
    """One action by one user, written in the transaction of the action itself.

    The object is kept by type name and primary key, not by foreign key, so that the event
    outlives a deleted DRAFT run. School is null for account-wide actions (users, tokens).
    """

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="audit_events", on_delete=fields.CASCADE
    )
    account_id: int
    school: fields.ForeignKeyNullableRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="audit_events", on_delete=fields.CASCADE, null=True
    )
    school_id: int | None
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_events", on_delete=fields.SET_NULL, null=True
    )
    user_id: int | None
    action = fields.CharEnumField(AuditAction, max_length=32)
    object_type = fields.CharField(max_length=50)
    object_pk = fields.BigIntField(null=True)
    detail: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_event"
        indexes = (("account_id", "created_at"), ("school_id", "created_at"))
