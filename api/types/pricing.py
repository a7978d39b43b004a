"""What prices a student, as clients see it: categories, families, subscriptions, discounts."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry

from api.context import Info
from api.types.common import Money, Node, linked, linked_required, money
from api.types.enums import serve_enum
from api.types.school import Grade, Term, owner_school
from domain import models

if TYPE_CHECKING:
    from api.types.fees import FeeItem
    from api.types.ledgers import Ledger
    from api.types.students import Student

FeeItemKind: TypeAlias = models.FeeItemKind
serve_enum(
    models.FeeItemKind,
    "FeeItemKind",
    "Who a fee item bills.",
    {
        "MANDATORY": "Billed to every student the run covers.",
        "OPTIONAL": "Billed only to students subscribed to it for the run's term "
        "(transport, lunch, clubs).",
    },
)
DiscountKind: TypeAlias = models.DiscountKind
serve_enum(
    models.DiscountKind,
    "DiscountKind",
    "How a discount is computed.",
    {
        "PERCENTAGE": "`value` percent of the gross of the items the discount covers.",
        "FIXED_AMOUNT": "`value` in the school's currency, never more than the gross of the "
        "items it covers.",
    },
)
InvoiceLineKind: TypeAlias = models.LineKind
serve_enum(
    models.LineKind,
    "InvoiceLineKind",
    "What an invoice line is.",
    {"CHARGE": "A fee item charged.", "DISCOUNT": "A discount: its amount is negative."},
)


async def fee_item_of(info: Info, pk: int | None) -> FeeItem | None:
    """A fee item by pk, with its school (None without key or row)."""
    from api.types.fees import FeeItem

    row = await info.context.loaders.by_id(models.FeeItem).load(pk) if pk else None
    if row is None:
        return None
    structure = await info.context.loaders.by_id(models.FeeStructure).load(row.fee_structure_id)
    assert structure is not None
    return FeeItem.of(row, school_pk=structure.school_id)


async def _student(info: Info, pk: int) -> Student:
    from api.types.students import load_student

    return await load_student(info, pk)


@strawberry.type(description="A pricing group of students, e.g. Boarder or Day scholar.")
class FeeCategory(Node):
    name: str = strawberry.field(description="Unique within the school.")
    model: strawberry.Private[models.FeeCategory]

    school = owner_school("The school.")


@strawberry.type(
    description="Students of one school who share guardians: the unit of sibling discounts."
)
class Family(Node):
    name: str = strawberry.field(description="e.g. the guardians' surname.")
    model: strawberry.Private[models.Family]

    school = owner_school("The school.")

    @strawberry.field(
        description="The family's students, eldest first: by grade level (highest first), "
        "then admission number; INACTIVE ones too."
    )
    async def students(
        self, info: Info
    ) -> list[Annotated[Student, strawberry.lazy("api.types.students")]]:
        from api.types.students import Student

        rows = await models.Student.filter(family_id=self.model.id).prefetch_related(
            "school_class__grade"
        )

        def eldest_first(s: models.Student) -> tuple[bool, int, str, int]:
            grade = s.school_class.grade if s.school_class else None
            return (grade is None, -(grade.level if grade else 0), s.admission_number, s.id)

        return [Student.of(r) for r in sorted(rows, key=eldest_first)]

    @strawberry.field(
        description="The family's money: its students' entries, each family payment once for "
        "its whole amount; balance = the students' balances less the family's credit, "
        "unallocatedCredit = that credit."
    )
    async def ledger(self, info: Info) -> Annotated[Ledger, strawberry.lazy("api.types.ledgers")]:
        from api.types.ledgers import Ledger
        from api.types.money import currency_of
        from domain.money.family import family_ledger

        found = await family_ledger(self.model)
        return Ledger(model=found, currency=await currency_of(info, self.model.school_id))


@strawberry.type(description="A fee item's amount for a grade, a fee category, or both.")
class AmountOverride:
    grade_pk: strawberry.Private[int | None]
    category_pk: strawberry.Private[int | None]
    value: strawberry.Private[Decimal]
    currency: strawberry.Private[str]

    @strawberry.field(description="Null: any grade.")
    async def grade(self, info: Info) -> Grade | None:
        return await linked(info, models.Grade, Grade, self.grade_pk)

    @strawberry.field(description="Null: any fee category.")
    async def fee_category(self, info: Info) -> FeeCategory | None:
        return await linked(info, models.FeeCategory, FeeCategory, self.category_pk)

    @strawberry.field(description="What such students pay; 0 leaves the item off.")
    def amount(self) -> Money:
        return money(self.value, self.currency)


@strawberry.type(description="A student taking an OPTIONAL fee item from one term on.")
class FeeSubscription(Node):
    model: strawberry.Private[models.FeeSubscription]

    @strawberry.field(description="The student.")
    async def student(
        self, info: Info
    ) -> Annotated[Student, strawberry.lazy("api.types.students")]:
        return await _student(info, self.model.student_id)

    @strawberry.field(description="The OPTIONAL fee item taken.")
    async def fee_item(self, info: Info) -> Annotated[FeeItem, strawberry.lazy("api.types.fees")]:
        item = await fee_item_of(info, self.model.fee_item_id)
        assert item is not None
        return item

    @strawberry.field(description="The first term billed.")
    async def from_term(self, info: Info) -> Term:
        return await linked_required(info, models.Term, Term, self.model.from_term_id)

    @strawberry.field(description="The last term billed; null: every later term too.")
    async def until_term(self, info: Info) -> Term | None:
        return await linked(info, models.Term, Term, self.model.until_term_id)


@strawberry.type(
    description="A reduction the school grants: a scholarship, a bursary, a staff-child or "
    "a sibling discount."
)
class Discount(Node):
    name: str = strawberry.field(description="Shown as the DISCOUNT line's description.")
    kind: DiscountKind = strawberry.field(description="PERCENTAGE or FIXED_AMOUNT.")
    value: Decimal = strawberry.field(
        description="A percentage (PERCENTAGE) or an amount in the school's currency."
    )
    sibling_position: int | None = strawberry.field(
        description="When set, the discount applies by itself to every ACTIVE student who is "
        "this child of their family or a later one (eldest first, as Family.students orders "
        "them); it is then never assigned by hand."
    )
    model: strawberry.Private[models.Discount]

    school = owner_school("The school.")

    @strawberry.field(description="The fee items it reduces; empty: every item of the invoice.")
    async def fee_items(
        self, info: Info
    ) -> list[Annotated[FeeItem, strawberry.lazy("api.types.fees")]]:
        links = await info.context.loaders.children(models.DiscountFeeItem, "discount_id").load(
            self.model.id
        )
        items = [await fee_item_of(info, link.fee_item_id) for link in links]
        return [i for i in items if i is not None]


@strawberry.type(description="A discount granted to one student from one term on.")
class StudentDiscount(Node):
    reference: str | None = strawberry.field(
        description="E.g. the bursary letter or the sponsor's reference."
    )
    model: strawberry.Private[models.StudentDiscount]

    @strawberry.field(description="The student.")
    async def student(
        self, info: Info
    ) -> Annotated[Student, strawberry.lazy("api.types.students")]:
        return await _student(info, self.model.student_id)

    @strawberry.field(description="The discount granted.")
    async def discount(self, info: Info) -> Discount:
        return await linked_required(info, models.Discount, Discount, self.model.discount_id)

    @strawberry.field(description="The first term it applies to.")
    async def from_term(self, info: Info) -> Term:
        return await linked_required(info, models.Term, Term, self.model.from_term_id)

    @strawberry.field(description="The last term it applies to; null: every later term too.")
    async def until_term(self, info: Info) -> Term | None:
        return await linked(info, models.Term, Term, self.model.until_term_id)
