"""Accounts, their users, school grants and API tokens."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import created_at, fk, moment, pk, school_fk

if TYPE_CHECKING:
    from domain.models.school import School


class Role(StrEnum):
    """What a user may do: ADMIN everything, FINANCE finance work, VIEWER reads."""

    ADMIN = "ADMIN"
    FINANCE = "FINANCE"
    VIEWER = "VIEWER"


class Account(Model):
    """An organisation (a school or a group of schools) that owns schools and users."""

    id = pk()
    name = fields.CharField(max_length=200, unique=True)
    created_at = created_at()

    class Meta:
        table = "account"


class User(Model):
    """A person who calls the API with a token."""

    id = pk()
    account: fields.ForeignKeyRelation[Account] = fk("Account", "users", fields.CASCADE)
    account_id: int
    #: Unique within its account only (two accounts may each have a user of one address).
    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=200, null=True)
    role = fields.CharEnumField(Role, max_length=16)
    created_at = created_at()

    class Meta:
        table = "app_user"
        unique_together = (("account", "email"),)


class SchoolGrant(Model):
    """A FINANCE or VIEWER user's right to work in one school."""

    id = pk()
    user: fields.ForeignKeyRelation[User] = fk("User", "grants", fields.CASCADE)
    user_id: int
    school: fields.ForeignKeyRelation[School] = school_fk("grants")
    school_id: int

    class Meta:
        table = "school_grant"
        unique_together = (("user", "school"),)


class ApiToken(Model):
    """A bearer token - only its SHA-256 hash is stored."""

    id = pk()
    user: fields.ForeignKeyRelation[User] = fk("User", "tokens", fields.CASCADE)
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = created_at()
    expires_at = moment()
    revoked_at = moment()

    class Meta:
        table = "api_token"
