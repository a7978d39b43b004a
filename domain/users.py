"""Users of an account: who may call the API, with which role, in which schools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, issue_token
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Role, School, SchoolGrant, User
from domain.validation import clean_email, clean_text

#: Most schools one user can be granted in a call (an account's schools, with headroom).
MAX_GRANTS = 500


@dataclass(frozen=True)
class NewUser:
    """The user created and their API token, which is never shown again."""

    user: User
    token: str


async def create_user(
    caller: Caller,
    *,
    email: str,
    name: str | None,
    role: Role,
    school_ids: Sequence[int | None] | None = None,
    token_expires_at: datetime | None = None,
) -> NewUser:
    """An ADMIN adds a user to the account; FINANCE and VIEWER users work in the schools granted."""
    caller.require(Role.ADMIN)
    problems = Problems()
    address = clean_email(problems, email, "email")
    clean_name = clean_text(problems, name, "name", max_length=200, required=False)
    if token_expires_at is not None and _aware(token_expires_at) <= datetime.now(UTC):
        problems.add(ErrorCode.INVALID_INPUT, "The expiry must be in the future.", "tokenExpiresAt")
    granted: list[int] = []
    # An ADMIN sees every school of the account, so grants would say nothing: ignored.
    if role != Role.ADMIN and school_ids:
        granted = await _grantable(caller, school_ids, problems)
    problems.raise_if_any()
    assert address is not None
    # Addresses are compared without case: Jane@X.org and jane@x.org are one person.
    address = address.lower()
    duplicate = DomainError(ErrorCode.DUPLICATE, "A user with this e-mail exists.", ["email"])
    # Unique within the account: whether another account uses the address is not ours to say.
    if await User.filter(account_id=caller.account_id, email=address).exists():
        raise duplicate
    try:
        async with in_transaction():
            user = await User.create(
                account_id=caller.account_id, email=address, name=clean_name, role=role
            )
            if granted:
                await SchoolGrant.bulk_create(
                    [SchoolGrant(user_id=user.id, school_id=pk) for pk in granted]
                )
            token = await issue_token(
                user, expires_at=token_expires_at and _aware(token_expires_at)
            )
            await audit.record(caller, audit.AuditAction.CREATED_USER, user, role=role.value)
    except IntegrityError as exc:  # a concurrent insert of the same address won the race
        raise duplicate from exc
    return NewUser(user=user, token=token)


def _aware(moment: datetime) -> datetime:
    """A client's date-time without a zone is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _grantable(
    caller: Caller, school_ids: Sequence[int | None], problems: Problems
) -> list[int]:
    """The distinct schools to grant; any the caller can't see is NOT_FOUND at its index."""
    if len(school_ids) > MAX_GRANTS:
        problems.add(
            ErrorCode.INVALID_INPUT, f"Grant at most {MAX_GRANTS} schools at a time.", "schoolIds"
        )
        return []
    wanted = {pk for pk in school_ids if pk is not None and caller.sees(pk)}
    existing: set[int] = set()
    if wanted:
        rows = await School.filter(id__in=list(wanted), account_id=caller.account_id).values_list(
            "id", flat=True
        )
        existing = set(cast("list[int]", rows))
    granted: list[int] = []
    for index, pk in enumerate(school_ids):
        if pk is None or pk not in existing:
            problems.add(ErrorCode.NOT_FOUND, "School not found.", "schoolIds", str(index))
        elif pk not in granted:
            granted.append(pk)
    return granted
