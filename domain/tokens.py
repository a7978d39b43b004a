"""API tokens after issue: listing a user's tokens and revoking one."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller
from domain.errors import DomainError, ErrorCode, not_found
from domain.models import ApiToken, Role


def may_manage(caller: Caller, user_id: int) -> bool:
    """A user manages their own tokens; an ADMIN those of every user of the account."""
    return caller.user_id == user_id or caller.can(Role.ADMIN)


async def tokens_of(caller: Caller, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first; empty for anyone who may not manage them."""
    if not may_manage(caller, user_id):
        return []
    return await ApiToken.filter(user_id=user_id, user__account_id=caller.account_id).order_by(
        "-created_at", "-id"
    )


async def revoke_token(caller: Caller, token_id: int | None, *, current: bool) -> ApiToken:
    """Revoke a token at once (the next request with it is 401); revoking twice changes nothing.

    `current` revokes the token of this very request instead of `token_id`.
    """
    if current:
        if caller.token_id is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "Name the token to revoke.", ["tokenId"])
        token_id = caller.token_id
    row = None
    if token_id is not None:
        row = await ApiToken.filter(id=token_id, user__account_id=caller.account_id).first()
    if row is None or not may_manage(caller, row.user_id):
        raise not_found("Token", ["tokenId"])
    async with in_transaction():
        now = datetime.now(UTC)
        changed = await ApiToken.filter(id=row.id, revoked_at__isnull=True).update(revoked_at=now)
        if changed:
            await audit.record(
                caller, audit.AuditAction.REVOKED_TOKEN, row, own=row.user_id == caller.user_id
            )
    return await ApiToken.get(id=row.id)
