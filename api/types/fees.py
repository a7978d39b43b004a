"""Fee structures, their items and per-grade amounts."""

from __future__ import annotations

from typing import Any

import strawberry

from api.context import Info
from api.types.common import Money, Node, linked_required
from api.types.pricing import AmountOverride, FeeItemKind
from api.types.school import Grade, load_school, owner_school, school_money
from domain import models


async def load_fee_structure(root: Any, info: Info) -> FeeStructure:
    """The fee structure of an object that bills one (`model.fee_structure_id`)."""
    return await linked_required(
        info, models.FeeStructure, FeeStructure, root.model.fee_structure_id
    )


@strawberry.type(description="A fee item's amount for one grade.")
class GradeAmount:
    model: strawberry.Private[models.FeeItemGradeAmount]
    school_pk: strawberry.Private[int]

    @strawberry.field(description="The grade.")
    async def grade(self, info: Info) -> Grade:
        return await linked_required(info, models.Grade, Grade, self.model.grade_id)

    @strawberry.field(description="What students of that grade pay; 0 leaves the item off.")
    async def amount(self, info: Info) -> Money:
        return await school_money(info, self.model.amount, self.school_pk)


@strawberry.type(description="One line of a fee structure.")
class FeeItem(Node):
    name: str = strawberry.field(description="Shown as the invoice line's description.")
    kind: FeeItemKind = strawberry.field(
        description="MANDATORY: billed to all; OPTIONAL: to subscribers only."
    )
    model: strawberry.Private[models.FeeItem]
    school_pk: strawberry.Private[int]

    fee_structure = strawberry.field(
        resolver=load_fee_structure, description="The fee structure the item is part of."
    )

    @strawberry.field(
        description="Every override, by grade, by fee category or by both (gradeAmounts are "
        "the grade-only ones). For a student the most specific wins: grade and category, then "
        "grade, then category, then `amount`. An amount of 0 leaves the item off the invoice."
    )
    async def amount_overrides(self, info: Info) -> list[AmountOverride]:
        currency = (await load_school(info, self.school_pk)).currency
        by_grade = await info.context.loaders.children(
            models.FeeItemGradeAmount, "fee_item_id"
        ).load(self.model.id)
        by_category = await info.context.loaders.children(
            models.FeeItemCategoryAmount, "fee_item_id"
        ).load(self.model.id)
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

    @strawberry.field(description="Charged to students of grades without a grade amount.")
    async def amount(self, info: Info) -> Money:
        return await school_money(info, self.model.amount, self.school_pk)

    @strawberry.field(
        description="Overrides per grade; an amount of 0 leaves the item off that grade's invoices."
    )
    async def grade_amounts(self, info: Info) -> list[GradeAmount]:
        rows = await info.context.loaders.children(models.FeeItemGradeAmount, "fee_item_id").load(
            self.model.id
        )
        return [GradeAmount(model=r, school_pk=self.school_pk) for r in rows]


@strawberry.type(description="What a school charges, item by item, priced per grade.")
class FeeStructure(Node):
    name: str = strawberry.field(description="e.g. Term Tuition Fee.")
    model: strawberry.Private[models.FeeStructure]

    school = owner_school("The school the fee structure belongs to.")

    @strawberry.field(description="The items, in the order they appear on invoices.")
    async def items(self, info: Info) -> list[FeeItem]:
        rows = await info.context.loaders.children(
            models.FeeItem, "fee_structure_id", "position"
        ).load(self.model.id)
        return [FeeItem.of(r, school_pk=self.model.school_id) for r in rows]
