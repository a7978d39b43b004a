"""Revoking API tokens: one's own, or (ADMIN) any of the account's users'."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.ids import decode_id
from api.mutations.base import mutation, outcome, payload
from api.types.common import optional
from api.types.tokens import ApiToken
from domain import tokens


@strawberry.input(description="The token to revoke; leave tokenId out to revoke this request's.")
class RevokeApiTokenInput:
    token_id: strawberry.ID | None = optional(
        "A token of yours, or (ADMIN) of any user of the account; "
        "null revokes the token this request carries."
    )


@payload(description="The token revoked, or why not.")
class RevokeApiTokenPayload:
    api_token: ApiToken | None = outcome("The token, now revoked; null on errors.")


@strawberry.type
class TokenMutation:
    @mutation(
        "Revokes an API token at once: the next request with it is refused (401). Revoking a revoked token returns it unchanged.",
        input="The token to revoke.",
    )
    async def revoke_api_token(
        self, info: Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        row = await tokens.revoke_token(
            info.context.caller,
            decode_id(input.token_id, "ApiToken"),
            current=input.token_id is None,
        )
        return RevokeApiTokenPayload(api_token=ApiToken.of(row))
