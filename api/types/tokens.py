"""API tokens as their owners and ADMINs see them: never the token itself, only its dates."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from api.types.common import Viewed
from domain import models


@strawberry.type(description="A bearer token of a user; the secret itself is shown only once.")
class ApiToken(Viewed):
    id: strawberry.ID = strawberry.field(description="Opaque id, to revoke it.")
    created_at: datetime = strawberry.field(description="When it was issued.")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working by itself; null for never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while not revoked."
    )
    model: strawberry.Private[models.ApiToken]

    @strawberry.field(description="Whether a request with it would be let in now.")
    def active(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= datetime.now(UTC)
        return self.revoked_at is None and not expired
