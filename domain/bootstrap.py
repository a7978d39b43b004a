"""Command-line bootstrap: an account and a user with a token, outside any caller."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from domain import db
from domain.access import issue_token
from domain.errors import DomainError, ErrorCode
from domain.models import Account, Role, User


async def ensure_user(*, account: str, email: str, role: Role, name: str | None = None) -> str:
    """Create the account if new and the user (an e-mail taken in it is DUPLICATE); return a token."""
    account_name = account.strip()
    address = email.strip().lower()
    if not account_name or "@" not in address:
        raise DomainError(ErrorCode.INVALID_INPUT, "An account name and an e-mail are required.")
    async with in_transaction():
        acct, _ = await Account.get_or_create(name=account_name)
        if await User.filter(account=acct, email=address).exists():
            raise DomainError(ErrorCode.DUPLICATE, f"A user with e-mail {address} exists.")
        user = await User.create(account=acct, email=address, role=role, name=name)
        return await issue_token(user)


async def create_user_cli(*, account: str, email: str, role: str, name: str | None) -> str:
    await db.migrate_db()
    await db.init_db()
    try:
        return await ensure_user(account=account, email=email, role=Role(role.upper()), name=name)
    finally:
        await db.close_db()
