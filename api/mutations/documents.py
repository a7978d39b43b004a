"""Mutations about what parents receive: the school profile printed on their documents."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.ids import decode_id
from api.mutations.base import changed, mutation
from api.mutations.setup import SchoolPayload
from api.types.common import unset
from api.types.school import School
from domain import school_profile


@strawberry.input(description="New values of a school's profile; a field left out stays as it is.")
class UpdateSchoolProfileInput:
    school_id: strawberry.ID = strawberry.field(description="The school whose profile changes.")
    address: str | None = unset("Postal address (line breaks kept); null clears.")
    phone: str | None = unset(
        "The school's phone; a local number is read as of the school's country and stored in "
        "E.164. Null clears."
    )
    email: str | None = unset("The school's e-mail address; null clears.")
    payment_instructions: str | None = unset(
        "How parents pay, printed on every invoice; null clears."
    )
    mpesa_short_code: str | None = unset(
        "The M-Pesa paybill or till number (5 to 7 digits); null clears."
    )


@strawberry.type
class DocumentMutation:
    @mutation(
        "Sets what a school prints on its documents (FINANCE or ADMIN); the fields left out "
        "stay as they are.",
        input="The school and its new profile.",
    )
    async def update_school_profile(
        self, info: Info, input: UpdateSchoolProfileInput
    ) -> SchoolPayload:
        row = await school_profile.update_school_profile(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            changes=school_profile.ProfileChanges(
                address=changed(input.address),
                phone=changed(input.phone),
                email=changed(input.email),
                payment_instructions=changed(input.payment_instructions),
                mpesa_short_code=changed(input.mpesa_short_code),
            ),
        )
        return SchoolPayload(school=School.of(row))
