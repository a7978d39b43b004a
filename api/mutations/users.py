"""The mutation that adds a user to the account."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.ids import decode_ids
from api.mutations.base import mutation, outcome, payload
from api.types.common import optional
from api.types.users import Role, User
from domain import users


@strawberry.input(description="A new user of the caller's account.")
class CreateUserInput:
    email: str = strawberry.field(description="Unique sign-in address (compared without case).")
    name: str | None = optional("Display name.")
    role: Role = strawberry.field(description="What the user may do.")
    school_ids: list[strawberry.ID] | None = optional(
        "Schools a FINANCE or VIEWER user may work in; ignored for ADMIN, "
        "who has all of the account's."
    )
    token_expires_at: datetime | None = optional(
        "When the issued token stops working; never when left out. A time without a zone is UTC."
    )


@payload(description="The user created with their API token, or why not.")
class CreateUserPayload:
    user: User | None = outcome("The user; null on errors.")
    api_token: str | None = outcome("Shown once; only its hash is stored. Null on errors.")


@strawberry.type
class UserMutation:
    @mutation(
        "Adds a user to the account and issues their API token (ADMIN).",
        input="The user to create.",
    )
    async def create_user(self, info: Info, input: CreateUserInput) -> CreateUserPayload:
        created = await users.create_user(
            info.context.caller,
            email=input.email,
            name=input.name,
            role=input.role,
            school_ids=decode_ids(input.school_ids or [], "School"),
            token_expires_at=input.token_expires_at,
        )
        return CreateUserPayload(user=User.of(created.user), api_token=created.token)
