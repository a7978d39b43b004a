"""Fee structures: named lists of fee items, each with per-grade overrides."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.keys import KEY_MAX_LENGTH
from domain.models.keyed import KeyedModel

if TYPE_CHECKING:
    from domain.models.school import Grade, School


class FeeItemKind(StrEnum):
    """MANDATORY items bill every student in scope, OPTIONAL ones only their subscribers."""

    MANDATORY = "MANDATORY"
    OPTIONAL = "OPTIONAL"


class FeeStructure(KeyedModel):
    """What a school charges for a term (e.g. Term Tuition Fee), names unique by their key."""

    KEY_SOURCE = "name"
    KEY_FIELD = "name_key"

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="fee_structures", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=200)
    #: normalise_key of the typed value, unique within the school (migration 0006).
    name_key = fields.CharField(max_length=KEY_MAX_LENGTH, db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "fee_structure"
        unique_together = (("school", "name"), ("school", "name_key"))


class FeeItem(Model):
    """One line of a fee structure - `amount` applies to grades without an override."""

    id = fields.IntField(primary_key=True)
    fee_structure: fields.ForeignKeyRelation[FeeStructure] = fields.ForeignKeyField(
        "models.FeeStructure", related_name="items", on_delete=fields.CASCADE
    )
    fee_structure_id: int
    name = fields.CharField(max_length=200)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    position = fields.IntField(default=0)
    kind = fields.CharEnumField(FeeItemKind, max_length=16, default=FeeItemKind.MANDATORY)

    class Meta:
        table = "fee_item"


class FeeItemGradeAmount(Model):
    """A fee item's amount for one grade - 0 leaves the item off that grade's invoices."""

    id = fields.IntField(primary_key=True)
    fee_item: fields.ForeignKeyRelation[FeeItem] = fields.ForeignKeyField(
        "models.FeeItem", related_name="grade_amounts", on_delete=fields.CASCADE
    )
    fee_item_id: int
    grade: fields.ForeignKeyRelation[Grade] = fields.ForeignKeyField(
        "models.Grade", related_name="fee_amounts", on_delete=fields.CASCADE
    )
    grade_id: int
    amount = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "fee_item_grade_amount"
        unique_together = (("fee_item", "grade"),)
