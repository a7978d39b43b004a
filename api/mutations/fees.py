"""The mutation that creates a fee structure."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ref
from api.mutations.base import mutation, outcome, payload
from api.types.common import optional
from api.types.fees import FeeStructure
from api.types.pricing import FeeItemKind
from domain import fees


@strawberry.input(description="A fee item's amount for one grade.")
class GradeAmountInput:
    grade_id: strawberry.ID = strawberry.field(description="A grade of the same school, once.")
    amount: Decimal = strawberry.field(
        description="0 or more, at most 2 decimals; 0 leaves the item off that grade's invoices."
    )


@strawberry.input(description="A fee item's amount for a grade, a fee category or both.")
class AmountOverrideInput:
    grade_id: strawberry.ID | None = optional("At least one of gradeId and feeCategoryId.")
    fee_category_id: strawberry.ID | None = optional("A fee category of the same school.")
    amount: Decimal = strawberry.field(
        description="0 or more, at most 2 decimals; 0 leaves the item off such invoices."
    )


@strawberry.input(description="One item of a fee structure.")
class FeeItemInput:
    name: str = strawberry.field(description="Shown as the invoice line's description.")
    amount: Decimal = strawberry.field(
        description="Charged to grades without a grade amount: 0 or more, at most 2 decimals."
    )
    grade_amounts: list[GradeAmountInput] | None = optional("Overrides per grade.")
    kind: FeeItemKind | None = strawberry.field(
        default=FeeItemKind.MANDATORY,
        description="MANDATORY bills every student; OPTIONAL only subscribers.",
    )
    amount_overrides: list[AmountOverrideInput] | None = optional(
        "Overrides by grade, by fee category or both; the most specific wins."
    )


@strawberry.input(description="A new fee structure of a school.")
class CreateFeeStructureInput:
    school_id: strawberry.ID = strawberry.field(description="The school that charges it.")
    name: str = strawberry.field(description="Unique within the school, e.g. Term Tuition Fee.")
    items: list[FeeItemInput] = strawberry.field(
        description="At least one item (at most 100), in the order invoices list them."
    )


@payload(description="The fee structure created, or why not.")
class FeeStructurePayload:
    fee_structure: FeeStructure | None = outcome("The fee structure; null on errors.")


@strawberry.type
class FeeMutation:
    @mutation(
        "Creates a fee structure with its items and grade amounts (FINANCE); all stored or none.",
        input="The fee structure to create.",
    )
    async def create_fee_structure(
        self, info: Info, input: CreateFeeStructureInput
    ) -> FeeStructurePayload:
        items = [
            fees.NewFeeItem(
                name=item.name,
                amount=item.amount,
                grade_amounts=[
                    fees.NewGradeAmount(grade_id=decode_id(g.grade_id, "Grade"), amount=g.amount)
                    for g in item.grade_amounts or []
                ],
                kind=item.kind or FeeItemKind.MANDATORY,
                overrides=[
                    fees.NewOverride(
                        grade_id=decode_ref(o.grade_id, "Grade"),
                        fee_category_id=decode_ref(o.fee_category_id, "FeeCategory"),
                        amount=o.amount,
                        given_grade=o.grade_id is not None,
                        given_category=o.fee_category_id is not None,
                    )
                    for o in item.amount_overrides or []
                ],
            )
            for item in input.items
        ]
        row = await fees.create_fee_structure(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            name=input.name,
            items=items,
        )
        return FeeStructurePayload(fee_structure=FeeStructure.of(row))
