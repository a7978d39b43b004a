"""What prices a student: fee categories, families, subscriptions and discounts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.models.fees import FeeItem
    from domain.models.school import Grade, School, Student, Term


class DiscountKind(StrEnum):
    """PERCENTAGE of the gross of the items covered, or a FIXED_AMOUNT capped at it."""

    PERCENTAGE = "PERCENTAGE"
    FIXED_AMOUNT = "FIXED_AMOUNT"


class FeeCategory(Model):
    """A pricing group of a school's students (Boarder, Day scholar)."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="fee_categories", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=200)

    class Meta:
        table = "fee_category"
        unique_together = (("school", "name"),)


class Family(Model):
    """Students of one school who share guardians: the unit of sibling discounts."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="families", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "family"
        indexes = (("school_id", "name"),)


class FeeItemCategoryAmount(Model):
    """A fee item's amount for a fee category, in one grade or (grade NULL) in any grade."""

    id = fields.IntField(primary_key=True)
    fee_item: fields.ForeignKeyRelation[FeeItem] = fields.ForeignKeyField(
        "models.FeeItem", related_name="category_amounts", on_delete=fields.CASCADE
    )
    fee_item_id: int
    fee_category: fields.ForeignKeyRelation[FeeCategory] = fields.ForeignKeyField(
        "models.FeeCategory", related_name="fee_amounts", on_delete=fields.CASCADE
    )
    fee_category_id: int
    grade: fields.ForeignKeyNullableRelation[Grade] = fields.ForeignKeyField(
        "models.Grade", related_name="category_fee_amounts", null=True, on_delete=fields.CASCADE
    )
    grade_id: int | None
    amount = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "fee_item_category_amount"
        indexes = (("fee_item_id", "fee_category_id"),)


class FeeSubscription(Model):
    """A student taking an OPTIONAL fee item from one term on (until one, or for good)."""

    id = fields.IntField(primary_key=True)
    student: fields.ForeignKeyRelation[Student] = fields.ForeignKeyField(
        "models.Student", related_name="fee_subscriptions", on_delete=fields.CASCADE
    )
    student_id: int
    fee_item: fields.ForeignKeyRelation[FeeItem] = fields.ForeignKeyField(
        "models.FeeItem", related_name="subscriptions", on_delete=fields.CASCADE
    )
    fee_item_id: int
    from_term: fields.ForeignKeyRelation[Term] = fields.ForeignKeyField(
        "models.Term", related_name="subscriptions_from", on_delete=fields.RESTRICT
    )
    from_term_id: int
    until_term: fields.ForeignKeyNullableRelation[Term] = fields.ForeignKeyField(
        "models.Term", related_name="subscriptions_until", null=True, on_delete=fields.RESTRICT
    )
    until_term_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "fee_subscription"
        indexes = (("student_id", "fee_item_id"),)


class Discount(Model):
    """A reduction a school grants, applied by itself when it has a sibling position."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="discounts", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(DiscountKind, max_length=16)
    value = fields.DecimalField(max_digits=12, decimal_places=2)
    sibling_position = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "discount"


class DiscountFeeItem(Model):
    """A fee item a discount reduces (a discount without any reduces the whole invoice)."""

    id = fields.IntField(primary_key=True)
    discount: fields.ForeignKeyRelation[Discount] = fields.ForeignKeyField(
        "models.Discount", related_name="fee_item_links", on_delete=fields.CASCADE
    )
    discount_id: int
    fee_item: fields.ForeignKeyRelation[FeeItem] = fields.ForeignKeyField(
        "models.FeeItem", related_name="discount_links", on_delete=fields.CASCADE
    )
    fee_item_id: int

    class Meta:
        table = "discount_fee_item"
        unique_together = (("discount", "fee_item"),)


class StudentDiscount(Model):
    """A discount granted to one student from one term on (ids order the grants)."""

    id = fields.IntField(primary_key=True)
    student: fields.ForeignKeyRelation[Student] = fields.ForeignKeyField(
        "models.Student", related_name="discounts", on_delete=fields.CASCADE
    )
    student_id: int
    discount: fields.ForeignKeyRelation[Discount] = fields.ForeignKeyField(
        "models.Discount", related_name="grants", on_delete=fields.CASCADE
    )
    discount_id: int
    from_term: fields.ForeignKeyRelation[Term] = fields.ForeignKeyField(
        "models.Term", related_name="discounts_from", on_delete=fields.RESTRICT
    )
    from_term_id: int
    until_term: fields.ForeignKeyNullableRelation[Term] = fields.ForeignKeyField(
        "models.Term", related_name="discounts_until", null=True, on_delete=fields.RESTRICT
    )
    until_term_id: int | None
    reference = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "student_discount"
        indexes = (("student_id", "discount_id"),)
