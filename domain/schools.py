"""Setting up a school: the school itself, its terms, grades, streams and classes."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.access import Caller
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Role, School
from domain.validation import clean_currency, clean_text


async def create_school(caller: Caller, *, name: str, currency: str) -> School:
    """An ADMIN adds a school to the account; names are unique within the account."""
    caller.require(Role.ADMIN)
    problems = Problems()
    clean_name = clean_text(problems, name, "name", max_length=200)
    code = clean_currency(problems, currency, "currency")
    problems.raise_if_any()
    assert clean_name is not None and code is not None
    if await School.filter(account_id=caller.account_id, name=clean_name).exists():
        raise DomainError(ErrorCode.DUPLICATE, "A school with this name exists.", ["name"])
    try:
        async with in_transaction():
            return await School.create(account_id=caller.account_id, name=clean_name, currency=code)
    except IntegrityError as exc:
        raise DomainError(ErrorCode.DUPLICATE, "A school with this name exists.", ["name"]) from exc
