"""Fee structures, their items and per-grade amounts."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import Money, Node, money
from api.types.pricing import AmountOverride, FeeItemKind
from api.types.school import Grade, School, load_school
from domain import models


async def _currency(info: strawberry.Info[Context, None], school_pk: int) -> str:
    return (await load_school(info, school_pk)).currency


@strawberry.type(description="A fee item's amount for one grade.")
class GradeAmount:
    grade_pk: strawberry.Private[int]
    value: strawberry.Private[Decimal]
    school_pk: strawberry.Private[int]

    @strawberry.field(description="The grade.")
    async def grade(self, info: strawberry.Info[Context, None]) -> Grade:
        row = await info.context.loaders.by_id(models.Grade).load(self.grade_pk)
        assert row is not None
        return Grade.of(row)

    @strawberry.field(description="What students of that grade pay; 0 leaves the item off.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.value, await _currency(info, self.school_pk))


@strawberry.type(description="One line of a fee structure.")
class FeeItem(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="Shown as the invoice line's description.")
    kind: FeeItemKind = strawberry.field(
        description="MANDATORY: billed to all; OPTIONAL: to subscribers only."
    )
    value: strawberry.Private[Decimal]
    school_pk: strawberry.Private[int]
    structure_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.FeeItem, school_pk: int) -> FeeItem:
        return cls(
            id=strawberry.ID(encode_id("FeeItem", m.id)),
            name=m.name,
            kind=m.kind,
            value=m.amount,
            school_pk=school_pk,
            structure_pk=m.fee_structure_id,
            pk=m.id,
        )

    @strawberry.field(
        description="Every override, by grade, by fee category or by both (gradeAmounts are "
        "the grade-only ones). For a student the most specific wins: grade and category, then "
        "grade, then category, then `amount`. An amount of 0 leaves the item off the invoice."
    )
    async def amount_overrides(self, info: strawberry.Info[Context, None]) -> list[AmountOverride]:
        currency = await _currency(info, self.school_pk)
        by_grade = await info.context.loaders.children(
            models.FeeItemGradeAmount, "fee_item_id"
        ).load(self.pk)
        by_category = await info.context.loaders.children(
            models.FeeItemCategoryAmount, "fee_item_id"
        ).load(self.pk)
        return [
            AmountOverride(grade_pk=r.grade_id, category_pk=None, value=r.amount, currency=currency)
            for r in by_grade
        ] + [
            AmountOverride(
                grade_pk=r.grade_id,
                category_pk=r.fee_category_id,
                value=r.amount,
                currency=currency,
            )
            for r in by_category
        ]

    @strawberry.field(description="The fee structure the item is part of.")
    async def fee_structure(self, info: strawberry.Info[Context, None]) -> FeeStructure:
        row = await info.context.loaders.by_id(models.FeeStructure).load(self.structure_pk)
        assert row is not None
        return FeeStructure.of(row)

    @strawberry.field(description="Charged to students of grades without a grade amount.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.value, await _currency(info, self.school_pk))

    @strawberry.field(
        description="Overrides per grade; an amount of 0 leaves the item off that grade's invoices."
    )
    async def grade_amounts(self, info: strawberry.Info[Context, None]) -> list[GradeAmount]:
        rows = await info.context.loaders.children(models.FeeItemGradeAmount, "fee_item_id").load(
            self.pk
        )
        return [
            GradeAmount(grade_pk=r.grade_id, value=r.amount, school_pk=self.school_pk) for r in rows
        ]


@strawberry.type(description="What a school charges, item by item, priced per grade.")
class FeeStructure(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="e.g. Term Tuition Fee.")
    school_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.FeeStructure) -> FeeStructure:
        return cls(
            id=strawberry.ID(encode_id("FeeStructure", m.id)),
            name=m.name,
            school_pk=m.school_id,
            pk=m.id,
        )

    @strawberry.field(description="The school the fee structure belongs to.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)

    @strawberry.field(description="The items, in the order they appear on invoices.")
    async def items(self, info: strawberry.Info[Context, None]) -> list[FeeItem]:
        rows = await info.context.loaders.children(
            models.FeeItem, "fee_structure_id", "position"
        ).load(self.pk)
        return [FeeItem.of(r, self.school_pk) for r in rows]
