"""The mutation that adds a user to the account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.context import Context
from api.errors import UserError, user_errors
from api.refs import decode_refs
from api.types.users import Role, User
from domain import users
from domain.errors import DomainError


@strawberry.input(description="A new user of the caller's account.")
class CreateUserInput:
    email: str = strawberry.field(description="Unique sign-in address (compared without case).")
    name: str | None = strawberry.field(default=None, description="Display name.")
    role: Role = strawberry.field(description="What the user may do.")
    school_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Schools a FINANCE or VIEWER user may work in; ignored for ADMIN, "
        "who has all of the account's.",
    )
    token_expires_at: datetime | None = strawberry.field(
        default=None,
        description="When the issued token stops working; never when left out. "
        "A time without a zone is UTC.",
    )


@strawberry.type(description="The user created with their API token, or why not.")
class CreateUserPayload:
    user: User | None = strawberry.field(description="The user; null on errors.")
    api_token: str | None = strawberry.field(
        description="Shown once; only its hash is stored. Null on errors."
    )
    errors: list[UserError] = strawberry.field(description="What the user must fix.")


@strawberry.type
class UserMutation:
    @strawberry.mutation(
        description="Adds a user to the account and issues their API token (ADMIN)."
    )
    async def create_user(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[CreateUserInput, strawberry.argument(description="The user to create.")],
    ) -> CreateUserPayload:
        try:
            created = await users.create_user(
                info.context.caller,
                email=input.email,
                name=input.name,
                role=input.role,
                school_ids=decode_refs(input.school_ids or [], "School"),
                token_expires_at=input.token_expires_at,
            )
        except DomainError as e:
            return CreateUserPayload(user=None, api_token=None, errors=user_errors(e))
        return CreateUserPayload(user=User.of(created.user), api_token=created.token, errors=[])
