"""What prices a student: fee categories, families, subscriptions and discounts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import created_at, fk, money, optional_fk, pk, school_fk

if TYPE_CHECKING:
    from domain.models.fees import FeeItem
    from domain.models.school import Grade, School, Student, Term


class DiscountKind(StrEnum):
    """PERCENTAGE of the gross of the items covered, or a FIXED_AMOUNT capped at it."""

    PERCENTAGE = "PERCENTAGE"
    FIXED_AMOUNT = "FIXED_AMOUNT"


class FeeCategory(Model):
    """A pricing group of a school's students (Boarder, Day scholar)."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("fee_categories")
    school_id: int
    name = fields.CharField(max_length=200)

    class Meta:
        table = "fee_category"
        unique_together = (("school", "name"),)


class Family(Model):
    """Students of one school who share guardians: the unit of sibling discounts."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("families")
    school_id: int
    name = fields.CharField(max_length=200)
    created_at = created_at()

    class Meta:
        table = "family"
        indexes = (("school_id", "name"),)


class FeeItemCategoryAmount(Model):
    """A fee item's amount for a fee category, in one grade or (grade NULL) in any grade."""

    id = pk()
    fee_item: fields.ForeignKeyRelation[FeeItem] = fk("FeeItem", "category_amounts", fields.CASCADE)
    fee_item_id: int
    fee_category: fields.ForeignKeyRelation[FeeCategory] = fk(
        "FeeCategory", "fee_amounts", fields.CASCADE
    )
    fee_category_id: int
    grade: fields.ForeignKeyNullableRelation[Grade] = optional_fk(
        "Grade", "category_fee_amounts", fields.CASCADE
    )
    grade_id: int | None
    amount = money()

    class Meta:
        table = "fee_item_category_amount"
        indexes = (("fee_item_id", "fee_category_id"),)


class FeeSubscription(Model):
    """A student taking an OPTIONAL fee item from one term on (until one, or for good)."""

    id = pk()
    student: fields.ForeignKeyRelation[Student] = fk("Student", "fee_subscriptions", fields.CASCADE)
    student_id: int
    fee_item: fields.ForeignKeyRelation[FeeItem] = fk("FeeItem", "subscriptions", fields.CASCADE)
    fee_item_id: int
    from_term: fields.ForeignKeyRelation[Term] = fk("Term", "subscriptions_from")
    from_term_id: int
    until_term: fields.ForeignKeyNullableRelation[Term] = optional_fk("Term", "subscriptions_until")
    until_term_id: int | None
    created_at = created_at()

    class Meta:
        table = "fee_subscription"
        indexes = (("student_id", "fee_item_id"),)


class Discount(Model):
    """A reduction a school grants, applied by itself when it has a sibling position."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("discounts")
    school_id: int
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(DiscountKind, max_length=16)
    value = money()
    sibling_position = fields.IntField(null=True)
    created_at = created_at()

    class Meta:
        table = "discount"


class DiscountFeeItem(Model):
    """A fee item a discount reduces (a discount without any reduces the whole invoice)."""

    id = pk()
    discount: fields.ForeignKeyRelation[Discount] = fk("Discount", "fee_item_links", fields.CASCADE)
    discount_id: int
    fee_item: fields.ForeignKeyRelation[FeeItem] = fk("FeeItem", "discount_links", fields.CASCADE)
    fee_item_id: int

    class Meta:
        table = "discount_fee_item"
        unique_together = (("discount", "fee_item"),)


class StudentDiscount(Model):
    """A discount granted to one student from one term on (ids order the grants)."""

    id = pk()
    student: fields.ForeignKeyRelation[Student] = fk("Student", "discounts", fields.CASCADE)
    student_id: int
    discount: fields.ForeignKeyRelation[Discount] = fk("Discount", "grants", fields.CASCADE)
    discount_id: int
    from_term: fields.ForeignKeyRelation[Term] = fk("Term", "discounts_from")
    from_term_id: int
    until_term: fields.ForeignKeyNullableRelation[Term] = optional_fk("Term", "discounts_until")
    until_term_id: int | None
    reference = fields.CharField(max_length=200, null=True)
    created_at = created_at()

    class Meta:
        table = "student_discount"
        indexes = (("student_id", "discount_id"),)
