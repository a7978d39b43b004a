"""The school profile: what a school prints on the invoices, receipts and statements parents get."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school
from domain.errors import ErrorCode, Problems
from domain.locales import country_of, country_of_phone
from domain.models import Role, School
from domain.updates import KEEP, Update
from domain.validation import clean_email, clean_phone, clean_text

#: Longest address (several lines) and payment instructions, in characters.
ADDRESS_MAX = 500
INSTRUCTIONS_MAX = 1000
#: An M-Pesa paybill or till number: 5 to 7 digits.
_SHORT_CODE = re.compile(r"^[0-9]{5,7}$")

#: Who may set the profile: the contract gives it to FINANCE (and so ADMIN), not VIEWER.
PROFILE_ROLE = Role.FINANCE


@dataclass(frozen=True)
class ProfileChanges:
    """What an update changes; KEEP leaves a field alone, None clears it."""

    address: Update[str] = KEEP
    phone: Update[str] = KEEP
    email: Update[str] = KEEP
    payment_instructions: Update[str] = KEEP
    mpesa_short_code: Update[str] = KEEP


def _clean_short_code(problems: Problems, value: str | None) -> str | None:
    text = clean_text(problems, value, "mpesaShortCode", max_length=16, required=False)
    if text is not None and not _SHORT_CODE.match(text):
        problems.add(
            ErrorCode.INVALID_INPUT,
            "An M-Pesa paybill or till number has 5 to 7 digits.",
            "mpesaShortCode",
        )
        return None
    return text


def _cleaned(problems: Problems, school: School, changes: ProfileChanges) -> dict[str, object]:
    """The new values of the fields given, cleaned (problems recorded for the bad ones)."""
    values: dict[str, object] = {}
    if changes.address is not KEEP:
        values["address"] = clean_text(
            problems,
            changes.address,
            "address",
            max_length=ADDRESS_MAX,
            required=False,
            multiline=True,
        )
    if changes.phone is not KEEP:
        phone = clean_phone(problems, changes.phone, "phone", country=country_of(school))
        values["phone"] = phone
        # A school in a currency of many countries (USD) learns where it is from its phone,
        # so that its guardians' local numbers can be read.
        if phone is not None and country_of(school) is None:
            values["country"] = country_of_phone(phone)
    if changes.email is not KEEP:
        values["email"] = clean_email(problems, changes.email, "email", required=False)
    if changes.payment_instructions is not KEEP:
        values["payment_instructions"] = clean_text(
            problems,
            changes.payment_instructions,
            "paymentInstructions",
            max_length=INSTRUCTIONS_MAX,
            required=False,
            multiline=True,
        )
    if changes.mpesa_short_code is not KEEP:
        values["mpesa_short_code"] = _clean_short_code(problems, changes.mpesa_short_code)
    return values


async def update_school_profile(
    caller: Caller, *, school_id: int | None, changes: ProfileChanges
) -> School:
    """FINANCE or ADMIN sets what the school prints on its documents; every field is checked."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(PROFILE_ROLE, school.id)
    problems = Problems()
    values = _cleaned(problems, school, changes)
    problems.raise_if_any()
    if values:
        school.update_from_dict(values)
        async with in_transaction():
            await school.save(update_fields=list(values))
            await audit.record(
                caller,
                audit.AuditAction.UPDATED_SCHOOL_PROFILE,
                school,
                school_id=school.id,
                fields=sorted(values),
            )
    return school
