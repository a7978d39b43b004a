"""The root Query: who am I, my schools, any node, and the paginated lists."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.node import resolve_node
from api.types.common import Node
from api.types.school import School
from api.types.users import User
from domain import models


@strawberry.type
class SetupQuery:
    @strawberry.field(description="The user behind the token.")
    async def viewer(self, info: strawberry.Info[Context, None]) -> User:
        row = await models.User.get(pk=info.context.caller.user_id)
        return User.of(row)

    @strawberry.field(description="Schools the caller may see, by name.")
    async def schools(self, info: strawberry.Info[Context, None]) -> list[School]:
        rows = await models.School.filter(id__in=list(info.context.caller.school_ids)).order_by(
            "name", "id"
        )
        return [School.of(r) for r in rows]

    @strawberry.field(description="Any object the caller may see, by global id; null otherwise.")
    async def node(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)
