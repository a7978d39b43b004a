"""The root Query: who am I, my schools, any node, and the paginated lists."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ref
from api.node import resolve_node
from api.types.common import Connection, FilterArg, Node, SchoolArg, paginate
from api.types.school import School
from api.types.students import Student, StudentFilter
from api.types.users import User
from domain import models, students


@strawberry.type
class SetupQuery:
    @strawberry.field(description="The user behind the token.")
    async def viewer(self, info: Info) -> User:
        row = await models.User.get(pk=info.context.caller.user_id)
        return User.of(row)

    @strawberry.field(description="Schools the caller may see, by name.")
    async def schools(self, info: Info) -> list[School]:
        rows = await models.School.filter(id__in=list(info.context.caller.school_ids)).order_by(
            "name", "id"
        )
        return [School.of(r) for r in rows]

    @strawberry.field(description="Any object the caller may see, by global id; null otherwise.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="A school's students, by last name, first name and id; "
        "an unknown or invisible school is a NOT_FOUND error."
    )
    async def students(
        self,
        info: Info,
        school_id: SchoolArg,
        filter: FilterArg[StudentFilter] = None,
        first: Annotated[
            int | None, strawberry.argument(description="Page size: 20 unless given, at most 100.")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page.")
        ] = None,
    ) -> Connection[Student]:
        f = filter or StudentFilter()
        criteria = students.StudentFilter(
            statuses=f.statuses,
            grade_id=decode_ref(f.grade_id, "Grade"),
            stream_id=decode_ref(f.stream_id, "Stream"),
            school_class_id=decode_ref(f.school_class_id, "SchoolClass"),
            search=f.search,
        )
        qs = await students.find_students(
            info.context.caller, school_id=decode_id(school_id, "School"), criteria=criteria
        )
        return await paginate(qs, first, after, Student.of)
