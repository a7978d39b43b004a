"""Recording and reading the audit log: who did what, to which object, in which school."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.models import Model
from tortoise.queryset import QuerySet

from domain.access import Caller
from domain.errors import not_found
from domain.models import Role, School
from domain.models.audit import AuditAction, AuditEvent

__all__ = ["AuditAction", "events", "record", "record_many"]


async def record(
    caller: Caller,
    action: AuditAction,
    obj: Model,
    *,
    school_id: int | None = None,
    **detail: Any,
) -> None:
    """Write one event; called inside the action's own transaction, so both commit or neither."""
    await AuditEvent.create(
        account_id=caller.account_id,
        school_id=school_id,
        user_id=caller.user_id,
        action=action,
        object_type=type(obj).__name__,
        object_pk=obj.pk,
        detail=detail,
    )


async def record_many(caller: Caller, action: AuditAction, objects: Sequence[Any]) -> None:
    """One event per object (each with a `school_id`), in one INSERT per 500 rows."""
    await AuditEvent.bulk_create(
        [
            AuditEvent(
                account_id=caller.account_id,
                school_id=obj.school_id,
                user_id=caller.user_id,
                action=action,
                object_type=type(obj).__name__,
                object_pk=obj.pk,
                detail={},
            )
            for obj in objects
        ],
        batch_size=500,
    )


async def events(
    caller: Caller, school_id: int | None, *, given: bool, action: AuditAction | None = None
) -> QuerySet[AuditEvent]:
    """An ADMIN's view of the log, newest first: one school's, or the whole account's.

    `given` says whether the client named a school (an unknown one is NOT_FOUND).
    """
    if given:
        if school_id is None or not caller.sees(school_id):
            raise not_found("School", ["schoolId"])
        if not await School.filter(id=school_id, account_id=caller.account_id).exists():
            raise not_found("School", ["schoolId"])
    caller.require(Role.ADMIN, school_id if given else None)
    qs = AuditEvent.filter(account_id=caller.account_id)
    if given:
        qs = qs.filter(school_id=school_id)
    if action is not None:
        qs = qs.filter(action=action)
    return qs.order_by("-created_at", "-id")
