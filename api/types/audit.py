"""The audit log as ADMINs read it: who did what to which object, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from api.errors import domain_error_to_graphql
from api.ids import decode_id, encode_id
from api.types.common import AfterArg, Connection, FirstArg, paginate
from api.types.enums import describe_values
from api.types.school import School
from api.types.users import User
from domain import audit, models
from domain.errors import DomainError
from domain.models.audit import AuditAction as DomainAuditAction

strawberry.enum(DomainAuditAction, name="AuditAction", description="What was done.")
AuditAction: TypeAlias = DomainAuditAction
describe_values(
    DomainAuditAction,
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
        "CREATED_FEE_CATEGORY": "A fee category was created.",
        "CREATED_FAMILY": "A family was created (its students placed in it).",
        "SUBSCRIBED_STUDENTS": "Students were subscribed to an optional fee item.",
        "ENDED_SUBSCRIPTIONS": "Fee subscriptions were given a last term.",
        "CREATED_DISCOUNT": "A discount was created.",
        "ASSIGNED_DISCOUNT": "A discount was assigned to students.",
        "ENDED_DISCOUNTS": "Students' discounts were given a last term.",
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
        return cls(
            id=strawberry.ID(encode_id("AuditEvent", m.id)),
            action=m.action,
            object_type=m.object_type,
            object_id=strawberry.ID(encode_id(m.object_type, pk)) if pk else None,
            detail=cast(JSON, m.detail),
            occurred_at=m.created_at,
            model=m,
        )

    @strawberry.field(description="Who did it; null if the user no longer exists.")
    async def user(self, info: strawberry.Info[Context, None]) -> User | None:
        if self.model.user_id is None:
            return None
        row = await info.context.loaders.by_id(models.User).load(self.model.user_id)
        return User.of(row) if row else None

    @strawberry.field(description="The school it happened in; null for account-wide actions.")
    async def school(self, info: strawberry.Info[Context, None]) -> School | None:
        if self.model.school_id is None:
            return None
        row = await info.context.loaders.by_id(models.School).load(self.model.school_id)
        return School.of(row) if row else None


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit log, newest first (ADMIN only): one school's events, or with no "
        "school the whole account's, including users and tokens."
    )
    async def audit_events(
        self,
        info: strawberry.Info[Context, None],
        school_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this school's events; all when left out."),
        ] = None,
        action: Annotated[
            AuditAction | None, strawberry.argument(description="Only this action.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[AuditEvent]:
        try:
            qs = await audit.events(
                info.context.caller,
                decode_id(school_id, "School") if school_id is not None else None,
                given=school_id is not None,
                action=action,
            )
        except DomainError as e:
            raise domain_error_to_graphql(e) from e
        return await paginate(qs, first, after, AuditEvent.of)
