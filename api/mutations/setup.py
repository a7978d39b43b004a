"""Mutations that set a school up: schools, terms, grades, streams, classes, students, fees, users."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.errors import UserError, user_errors
from api.types.school import School
from domain import schools
from domain.errors import DomainError


@strawberry.input(description="A new school.")
class CreateSchoolInput:
    name: str = strawberry.field(description="Unique within the account.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. KES, USD.")


@strawberry.type(description="The school created, or why not.")
class SchoolPayload:
    school: School | None = strawberry.field(description="The school; null on errors.")
    errors: list[UserError] = strawberry.field(description="What the user must fix.")


@strawberry.type
class SetupMutation:
    @strawberry.mutation(description="Adds a school to the account (ADMIN).")
    async def create_school(
        self, info: strawberry.Info[Context, None], input: CreateSchoolInput
    ) -> SchoolPayload:
        try:
            row = await schools.create_school(
                info.context.caller, name=input.name, currency=input.currency
            )
        except DomainError as e:
            return SchoolPayload(school=None, errors=user_errors(e))
        return SchoolPayload(school=School.of(row), errors=[])
