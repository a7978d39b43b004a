"""The audit log as ADMINs read it: who did what to which object, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from api.context import Info
from api.ids import encode_id
from api.types.common import linked, view
from api.types.enums import serve_enum
from api.types.school import School
from api.types.users import User
from domain import models
from domain.models.audit import AuditAction as DomainAuditAction

AuditAction: TypeAlias = DomainAuditAction
serve_enum(
    DomainAuditAction,
    "AuditAction",
    "What was done.",
    {
        "CREATED_RUN": "A DRAFT billing run was created.",
        "PREVIEWED_RUN": "A run's preview was computed.",
        "CONFIRMED_RUN": "A run was confirmed: invoice generation started.",
        "DELETED_RUN": "A DRAFT run was deleted.",
        "RETRIED_RUN": "The failed students of a run were retried.",
        "SENT_INVOICES": "An invoice was sent to the guardian (one event per invoice).",
        "CANCELLED_INVOICE": "An invoice was cancelled.",
        "RECORDED_PAYMENT": "A payment was recorded against an invoice.",
        "CREATED_USER": "A user was added to the account.",
        "REVOKED_TOKEN": "An API token was revoked.",
        "UPDATED_SCHOOL_PROFILE": "A school's profile (address, phone, payment instructions) was changed.",
    },
)


@strawberry.type(description="One action by one user, recorded with the action itself.")
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    action: AuditAction = strawberry.field(description="What was done.")
    object_type: str = strawberry.field(
        description="The type of the object acted on, e.g. BillingRun, Invoice, Payment."
    )
    object_id: strawberry.ID | None = strawberry.field(
        description="The global id of the object acted on (it may no longer exist, "
        "e.g. a deleted run)."
    )
    detail: JSON = strawberry.field(description="A few facts about the action, e.g. an amount.")
    occurred_at: datetime = strawberry.field(description="When it was done.")
    model: strawberry.Private[models.AuditEvent]

    @classmethod
    def of(cls, m: models.AuditEvent) -> AuditEvent:
        pk = m.object_pk
        return view(
            cls,
            m,
            object_id=strawberry.ID(encode_id(m.object_type, pk)) if pk else None,
            detail=cast(JSON, m.detail),
            occurred_at=m.created_at,
        )

    @strawberry.field(description="Who did it; null if the user no longer exists.")
    async def user(self, info: Info) -> User | None:
        return await linked(info, models.User, User, self.model.user_id)

    @strawberry.field(description="The school it happened in; null for account-wide actions.")
    async def school(self, info: Info) -> School | None:
        return await linked(info, models.School, School, self.model.school_id)
