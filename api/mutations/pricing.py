"""Mutations that manage what prices a student: categories, families, subscriptions, discounts."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ids, decode_ref
from api.mutations.base import mutation, outcome, outcomes, payload
from api.types.pricing import (
    Discount,
    DiscountKind,
    Family,
    FeeCategory,
    FeeSubscription,
    StudentDiscount,
)
from domain.pricing import discounts, groups, subscriptions


@strawberry.input(description="A new pricing group of a school.")
class CreateFeeCategoryInput:
    school_id: strawberry.ID = strawberry.field(description="The school.")
    name: str = strawberry.field(description="Unique within the school, e.g. Boarder.")


@payload(description="The fee category created, or why not.")
class FeeCategoryPayload:
    fee_category: FeeCategory | None = outcome("Null on errors.")


@strawberry.input(description="A new family of a school.")
class CreateFamilyInput:
    school_id: strawberry.ID = strawberry.field(description="The school.")
    name: str = strawberry.field(description="e.g. the guardians' surname.")
    student_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Students to place in the family (moved from another family if they were "
        "in one); at most 1,000.",
    )


@payload(description="The family created, or why not.")
class FamilyPayload:
    family: Family | None = outcome("Null on errors.")


@strawberry.input(description="Students to subscribe to an OPTIONAL fee item.")
class SubscribeStudentsInput:
    fee_item_id: strawberry.ID = strawberry.field(description="An OPTIONAL fee item.")
    student_ids: list[strawberry.ID] = strawberry.field(
        description="At most 1,000 a call; all are subscribed or none."
    )
    from_term_id: strawberry.ID = strawberry.field(description="The first term billed.")
    until_term_id: strawberry.ID | None = strawberry.field(
        default=None, description="The last term billed; left out: every later term too."
    )


@payload(description="The subscriptions created or changed, or why not.")
class FeeSubscriptionsPayload:
    fee_subscriptions: list[FeeSubscription] = outcomes("Empty on errors.")


@strawberry.input(description="Subscriptions to end after a term.")
class EndFeeSubscriptionsInput:
    fee_subscription_ids: list[strawberry.ID] = strawberry.field(
        description="At most 1,000, of one school; all are ended or none."
    )
    last_term_id: strawberry.ID = strawberry.field(description="The last term still billed.")


@strawberry.input(description="A new discount of a school.")
class CreateDiscountInput:
    school_id: strawberry.ID = strawberry.field(description="The school.")
    name: str = strawberry.field(description="Shown on the DISCOUNT line.")
    kind: DiscountKind = strawberry.field(description="PERCENTAGE or FIXED_AMOUNT.")
    value: Decimal = strawberry.field(
        description="PERCENTAGE: more than 0, at most 100. FIXED_AMOUNT: more than 0, 2 "
        "decimals at most."
    )
    fee_item_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Fee items it reduces; left out or empty: the whole invoice."
    )
    sibling_position: int | None = strawberry.field(
        default=None, description="Makes it an automatic sibling discount (2 or more)."
    )


@payload(description="The discount created, or why not.")
class DiscountPayload:
    discount: Discount | None = outcome("Null on errors.")


@strawberry.input(description="A discount to grant to students.")
class AssignDiscountInput:
    discount_id: strawberry.ID = strawberry.field(
        description="A discount without sibling position."
    )
    student_ids: list[strawberry.ID] = strawberry.field(
        description="At most 1,000 a call; all are assigned or none."
    )
    from_term_id: strawberry.ID = strawberry.field(description="The first term it applies to.")
    until_term_id: strawberry.ID | None = strawberry.field(
        default=None, description="The last term; left out: every later term too."
    )
    reference: str | None = strawberry.field(
        default=None, description="E.g. the bursary letter or the sponsor's reference."
    )


@payload(description="The students' discounts created or changed, or why not.")
class StudentDiscountsPayload:
    student_discounts: list[StudentDiscount] = outcomes("Empty on errors.")


@strawberry.input(description="Students' discounts to end after a term.")
class EndStudentDiscountsInput:
    student_discount_ids: list[strawberry.ID] = strawberry.field(
        description="At most 1,000, of one school; all are ended or none."
    )
    last_term_id: strawberry.ID = strawberry.field(description="The last term it still applies to.")


@strawberry.type
class PricingMutation:
    @mutation(
        "Creates a fee category (FINANCE).",
        input="The category to create.",
    )
    async def create_fee_category(
        self, info: Info, input: CreateFeeCategoryInput
    ) -> FeeCategoryPayload:
        row = await groups.create_fee_category(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            name=input.name,
        )
        return FeeCategoryPayload(fee_category=FeeCategory.of(row))

    @mutation(
        "Creates a family and places students in it (FINANCE).",
        input="The family to create.",
    )
    async def create_family(self, info: Info, input: CreateFamilyInput) -> FamilyPayload:
        row = await groups.create_family(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            name=input.name,
            student_ids=decode_ids(input.student_ids or [], "Student"),
        )
        return FamilyPayload(family=Family.of(row))

    @mutation(
        "Subscribes students to an OPTIONAL fee item from a term on (FINANCE); all or none.",
        input="The item, students and terms.",
    )
    async def subscribe_students(
        self, info: Info, input: SubscribeStudentsInput
    ) -> FeeSubscriptionsPayload:
        rows = await subscriptions.subscribe_students(
            info.context.caller,
            fee_item_id=decode_id(input.fee_item_id, "FeeItem"),
            student_ids=decode_ids(input.student_ids, "Student"),
            from_term_id=decode_id(input.from_term_id, "Term"),
            until_term_id=decode_ref(input.until_term_id, "Term"),
        )
        return FeeSubscriptionsPayload(fee_subscriptions=[FeeSubscription.of(r) for r in rows])

    @mutation(
        "Sets the last term billed of fee subscriptions (FINANCE); all or none.",
        input="The subscriptions and last term.",
    )
    async def end_fee_subscriptions(
        self, info: Info, input: EndFeeSubscriptionsInput
    ) -> FeeSubscriptionsPayload:
        rows = await subscriptions.end_fee_subscriptions(
            info.context.caller,
            subscription_ids=decode_ids(input.fee_subscription_ids, "FeeSubscription"),
            last_term_id=decode_id(input.last_term_id, "Term"),
        )
        return FeeSubscriptionsPayload(fee_subscriptions=[FeeSubscription.of(r) for r in rows])

    @mutation(
        "Creates a discount or bursary (FINANCE).",
        input="The discount to create.",
    )
    async def create_discount(self, info: Info, input: CreateDiscountInput) -> DiscountPayload:
        row = await discounts.create_discount(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            name=input.name,
            kind=input.kind,
            value=input.value,
            fee_item_ids=decode_ids(input.fee_item_ids or [], "FeeItem"),
            sibling_position=input.sibling_position,
        )
        return DiscountPayload(discount=Discount.of(row))

    @mutation(
        "Grants a discount to students from a term on (FINANCE); all or none.",
        input="The discount, students and terms.",
    )
    async def assign_discount(
        self, info: Info, input: AssignDiscountInput
    ) -> StudentDiscountsPayload:
        rows = await discounts.assign_discount(
            info.context.caller,
            discount_id=decode_id(input.discount_id, "Discount"),
            student_ids=decode_ids(input.student_ids, "Student"),
            from_term_id=decode_id(input.from_term_id, "Term"),
            until_term_id=decode_ref(input.until_term_id, "Term"),
            reference=input.reference,
        )
        return StudentDiscountsPayload(student_discounts=[StudentDiscount.of(r) for r in rows])

    @mutation(
        "Sets the last term students' discounts apply to (FINANCE); all or none.",
        input="The discounts and last term.",
    )
    async def end_student_discounts(
        self, info: Info, input: EndStudentDiscountsInput
    ) -> StudentDiscountsPayload:
        rows = await discounts.end_student_discounts(
            info.context.caller,
            student_discount_ids=decode_ids(input.student_discount_ids, "StudentDiscount"),
            last_term_id=decode_id(input.last_term_id, "Term"),
        )
        return StudentDiscountsPayload(student_discounts=[StudentDiscount.of(r) for r in rows])
