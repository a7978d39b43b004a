"""Root field for the audit log, as ADMINs read it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.ids import decode_id
from api.types.audit import AuditAction, AuditEvent
from api.types.common import AfterArg, Connection, FirstArg, paginate
from domain import audit


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit log, newest first (ADMIN only): one school's events, or with no "
        "school the whole account's, including users and tokens."
    )
    async def audit_events(
        self,
        info: Info,
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
        qs = await audit.events(
            info.context.caller,
            decode_id(school_id, "School"),
            given=school_id is not None,
            action=action,
        )
        return await paginate(qs, first, after, AuditEvent.of)
