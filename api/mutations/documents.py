"""Mutations about what parents receive: the school profile printed on their documents."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.context import Context
from api.errors import user_errors
from api.ids import decode_id
from api.mutations.setup import SchoolPayload
from api.types.school import School
from domain import school_profile
from domain.errors import DomainError
from domain.students import KEEP


@strawberry.input(description="New values of a school's profile; a field left out stays as it is.")
class UpdateSchoolProfileInput:
    school_id: strawberry.ID = strawberry.field(description="The school whose profile changes.")
    address: str | None = strawberry.field(
        default=strawberry.UNSET, description="Postal address (line breaks kept); null clears."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The school's phone; a local number is read as of the school's country and "
        "stored in E.164. Null clears.",
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="The school's e-mail address; null clears."
    )
    payment_instructions: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="How parents pay, printed on every invoice; null clears.",
    )
    mpesa_short_code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The M-Pesa paybill or till number (5 to 7 digits); null clears.",
    )


def _given(value: Any) -> Any:
    """A field of an update: KEEP when the client left it out."""
    return KEEP if value is strawberry.UNSET else value


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(
        description="Sets what a school prints on its documents (FINANCE or ADMIN); the fields "
        "left out stay as they are."
    )
    async def update_school_profile(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            UpdateSchoolProfileInput,
            strawberry.argument(description="The school and its new profile."),
        ],
    ) -> SchoolPayload:
        changes = school_profile.ProfileChanges(
            address=_given(input.address),
            phone=_given(input.phone),
            email=_given(input.email),
            payment_instructions=_given(input.payment_instructions),
            mpesa_short_code=_given(input.mpesa_short_code),
        )
        try:
            row = await school_profile.update_school_profile(
                info.context.caller, school_id=decode_id(input.school_id, "School"), changes=changes
            )
        except DomainError as e:
            return SchoolPayload(school=None, errors=user_errors(e))
        return SchoolPayload(school=School.of(row), errors=[])
