"""The column kinds the models repeat, each declared once: keys, links, money, moments.

Each helper returns exactly the Tortoise field it names, so the schema (and the migrations
that built it) are the same as with the field written out. Links are typed by the
annotation at the model (`school: fields.ForeignKeyRelation[School] = school_fk(...)`).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields.base import OnDelete


def pk() -> fields.IntField:
    """An integer primary key (for tables of hundreds of rows a school)."""
    return fields.IntField(primary_key=True)


def big_pk() -> fields.BigIntField:
    """A 64-bit primary key: invoices, their lines, payments and every per-student row."""
    return fields.BigIntField(primary_key=True)


def school_fk(related_name: str) -> Any:
    """The school a row belongs to: it goes when the school goes."""
    return fields.ForeignKeyField(
        "models.School", related_name=related_name, on_delete=fields.CASCADE
    )


def fk(model: str, related_name: str, on_delete: OnDelete = fields.RESTRICT) -> Any:
    """A required link to `models.<model>`; by default the target cannot be deleted under it."""
    return fields.ForeignKeyField(f"models.{model}", related_name=related_name, on_delete=on_delete)


def optional_fk(model: str, related_name: str, on_delete: OnDelete = fields.RESTRICT) -> Any:
    """A nullable link to `models.<model>`."""
    return fields.ForeignKeyField(
        f"models.{model}", related_name=related_name, null=True, on_delete=on_delete
    )


def money(**options: Any) -> fields.DecimalField:
    """An amount of one invoice or payment, exact to the cent (12 digits)."""
    return fields.DecimalField(max_digits=12, decimal_places=2, **options)


def added_money() -> fields.DecimalField:
    """An amount added to a table that had rows: 0 for them, in the database too."""
    return money(default=0, db_default=fields.SqlDefault("0"))


def sum_money() -> fields.DecimalField:
    """A sum over many invoices or payments (14 digits), 0 until counted."""
    return fields.DecimalField(max_digits=14, decimal_places=2, default=0)


def count() -> fields.IntField:
    """A counter, 0 until counted."""
    return fields.IntField(default=0)


def created_at() -> fields.DatetimeField:
    """When the row was inserted."""
    return fields.DatetimeField(auto_now_add=True)


def moment() -> fields.DatetimeField:
    """When something happened to the row; null until it has."""
    return fields.DatetimeField(null=True)
