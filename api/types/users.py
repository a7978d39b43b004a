"""Users and their roles."""

from __future__ import annotations

from typing import TypeAlias

import strawberry

from api.context import Info
from api.types.common import Node
from api.types.enums import serve_enum
from api.types.school import School
from api.types.tokens import ApiToken
from domain import models, tokens
from domain.access import caller_for_user

# serve_enum registers the domain enum itself; the alias keeps it a type for mypy.
Role: TypeAlias = models.Role
serve_enum(
    models.Role,
    "Role",
    "What a user may do.",
    {
        "ADMIN": "Everything in the account: schools, users, all finance work.",
        "FINANCE": "Students, fees, billing runs, invoices and payments in the granted schools.",
        "VIEWER": "Reads only, in the granted schools.",
    },
)


@strawberry.type(description="A person who uses the API.")
class User(Node):
    email: str = strawberry.field(description="Unique sign-in address.")
    name: str | None = strawberry.field(description="Display name.")
    role: Role = strawberry.field(description="ADMIN, FINANCE or VIEWER.")
    model: strawberry.Private[models.User]

    @strawberry.field(description="The schools this user may work in.")
    async def schools(self, info: Info) -> list[School]:
        caller = await caller_for_user(self.model)
        # Only schools the viewer may see too: a user of the same account never leaks others.
        visible = caller.school_ids & info.context.caller.school_ids
        rows = await models.School.filter(id__in=list(visible)).order_by("name")
        return [School.of(r) for r in rows]

    @strawberry.field(
        description="This user's API tokens, newest first: seen by the user and by ADMINs only "
        "(empty for anyone else)."
    )
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        rows = await tokens.tokens_of(info.context.caller, self.model.id)
        return [ApiToken.of(r) for r in rows]
