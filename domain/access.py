"""Who is calling and which schools they may see: the one place every query is scoped."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from domain.errors import DomainError, ErrorCode, not_found
from domain.models import ApiToken, Role, School, SchoolGrant, User

M = TypeVar("M", bound=Model)

_RANK = {Role.VIEWER: 0, Role.FINANCE: 1, Role.ADMIN: 2}

TOKEN_PREFIX = "bill_"


@dataclass(frozen=True)
class Caller:
    """An authenticated user with the schools their role grants (ADMIN: all of the account's)."""

    user_id: int
    account_id: int
    role: Role
    school_ids: frozenset[int]
    #: The token this request came with (None when acting outside a request, e.g. in tests).
    token_id: int | None = None

    def can(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def sees(self, school_id: int | None) -> bool:
        return school_id is not None and school_id in self.school_ids

    def require(self, role: Role, school_id: int | None = None) -> None:
        """Refuse (PERMISSION_DENIED) an action on a visible object that the role may not do."""
        if school_id is not None and not self.sees(school_id):
            raise not_found("School")
        if not self.can(role):
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                f"Your role ({self.role.value}) may not do this; it needs {role.value}.",
            )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def issue_token(user: User, expires_at: datetime | None = None) -> str:
    """Create a token for a user; the plain token is returned once and never stored."""
    token = new_token()
    await ApiToken.create(user=user, token_hash=hash_token(token), expires_at=expires_at)
    return token


async def caller_for_user(user: User, token_id: int | None = None) -> Caller:
    """The caller a user acts as, with the schools they may see right now."""
    if user.role == Role.ADMIN:
        ids: Iterable[Any] = await School.filter(account_id=user.account_id).values_list(
            "id", flat=True
        )
    else:
        ids = await SchoolGrant.filter(
            user_id=user.id, school__account_id=user.account_id
        ).values_list("school_id", flat=True)
    return Caller(
        user_id=user.id,
        account_id=user.account_id,
        role=Role(user.role),
        school_ids=frozenset(int(i) for i in ids),
        token_id=token_id,
    )


async def authenticate(token: str | None) -> Caller | None:
    """The caller behind a bearer token, or None when it is missing, unknown, expired or revoked."""
    if not token:
        return None
    digest = hash_token(token)
    row = await ApiToken.filter(token_hash=digest).select_related("user").first()
    # The lookup is by hash (an index); the comparison below keeps the check constant-time.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = datetime.now(UTC)
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return await caller_for_user(row.user, token_id=row.id)


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def scoped(caller: Caller, model: type[M], school_field: str = "school_id") -> QuerySet[M]:
    """Rows of a model that belong to the caller's schools: the start of every read."""
    return model.filter(**{f"{school_field}__in": list(caller.school_ids)})


async def get_visible(
    caller: Caller,
    model: type[M],
    pk: int | None,
    what: str,
    field: Iterable[str] | None = None,
    school_field: str = "school_id",
) -> M:
    """One row the caller may see, else NOT_FOUND exactly as for an id that never existed."""
    obj = None
    if pk is not None:
        obj = await scoped(caller, model, school_field).filter(pk=pk).first()
    if obj is None:
        raise not_found(what, list(field) if field is not None else None)
    return obj


async def get_school(caller: Caller, pk: int | None, field: Iterable[str] | None = None) -> School:
    """A school the caller may see (NOT_FOUND otherwise)."""
    if pk is None or pk not in caller.school_ids:
        raise not_found("School", list(field) if field is not None else None)
    school = await School.get_or_none(pk=pk, account_id=caller.account_id)
    if school is None:
        raise not_found("School", list(field) if field is not None else None)
    return school
