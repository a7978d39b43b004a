"""Fee structures: named lists of fee items, each with per-grade overrides."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.keys import KEY_MAX_LENGTH
from domain.models.columns import created_at, fk, money, pk, school_fk
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

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("fee_structures")
    school_id: int
    name = fields.CharField(max_length=200)
    #: normalise_key of the typed value, unique within the school (migration 0006).
    name_key = fields.CharField(max_length=KEY_MAX_LENGTH, db_default="")
    created_at = created_at()

    class Meta:
        table = "fee_structure"
        unique_together = (("school", "name"), ("school", "name_key"))


class FeeItem(Model):
    """One line of a fee structure - `amount` applies to grades without an override."""

    id = pk()
    fee_structure: fields.ForeignKeyRelation[FeeStructure] = fk(
        "FeeStructure", "items", fields.CASCADE
    )
    fee_structure_id: int
    name = fields.CharField(max_length=200)
    amount = money()
    position = fields.IntField(default=0)
    kind = fields.CharEnumField(FeeItemKind, max_length=16, default=FeeItemKind.MANDATORY)

    class Meta:
        table = "fee_item"


class FeeItemGradeAmount(Model):
    """A fee item's amount for one grade - 0 leaves the item off that grade's invoices."""

    id = pk()
    fee_item: fields.ForeignKeyRelation[FeeItem] = fk("FeeItem", "grade_amounts", fields.CASCADE)
    fee_item_id: int
    grade: fields.ForeignKeyRelation[Grade] = fk("Grade", "fee_amounts", fields.CASCADE)
    grade_id: int
    amount = money()

    class Meta:
        table = "fee_item_grade_amount"
        unique_together = (("fee_item", "grade"),)
