"""What prices a student, as clients see it: categories, families, subscriptions, discounts."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import Money, Node, money
from api.types.enums import describe_values
from api.types.school import Grade, School, Term, load_school
from domain import models

if TYPE_CHECKING:
    from api.types.fees import FeeItem
    from api.types.students import Student

FeeItemKind = models.FeeItemKind
DiscountKind = models.DiscountKind
InvoiceLineKind = models.LineKind
strawberry.enum(FeeItemKind, name="FeeItemKind", description="Who a fee item bills.")
strawberry.enum(DiscountKind, name="DiscountKind", description="How a discount is computed.")
strawberry.enum(InvoiceLineKind, name="InvoiceLineKind", description="What an invoice line is.")
describe_values(
    FeeItemKind,
    {
        "MANDATORY": "Billed to every student the run covers.",
        "OPTIONAL": "Billed only to students subscribed to it for the run's term "
        "(transport, lunch, clubs).",
    },
)
describe_values(
    DiscountKind,
    {
        "PERCENTAGE": "`value` percent of the gross of the items the discount covers.",
        "FIXED_AMOUNT": "`value` in the school's currency, never more than the gross of the "
        "items it covers.",
    },
)
describe_values(
    InvoiceLineKind,
    {"CHARGE": "A fee item charged.", "DISCOUNT": "A discount: its amount is negative."},
)


async def _term(info: strawberry.Info[Context, None], pk: int | None) -> Term | None:
    row = await info.context.loaders.by_id(models.Term).load(pk) if pk else None
    return Term.of(row) if row else None


async def _student(info: strawberry.Info[Context, None], pk: int) -> Student:
    from api.types.students import Student

    row = await info.context.loaders.by_id(models.Student).load(pk)
    assert row is not None, f"student {pk} of a visible object is missing"
    return Student.of(row)


async def fee_item_of(info: strawberry.Info[Context, None], pk: int) -> FeeItem | None:
    """A fee item by pk, with its school (None when it was deleted)."""
    from api.types.fees import FeeItem

    row = await info.context.loaders.by_id(models.FeeItem).load(pk)
    if row is None:
        return None
    structure = await info.context.loaders.by_id(models.FeeStructure).load(row.fee_structure_id)
    assert structure is not None
    return FeeItem.of(row, structure.school_id)


@strawberry.type(description="A pricing group of students, e.g. Boarder or Day scholar.")
class FeeCategory(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="Unique within the school.")
    school_pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.FeeCategory) -> FeeCategory:
        return cls(
            id=strawberry.ID(encode_id("FeeCategory", m.id)), name=m.name, school_pk=m.school_id
        )

    @strawberry.field(description="The school.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)


@strawberry.type(
    description="Students of one school who share guardians: the unit of sibling discounts."
)
class Family(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="e.g. the guardians' surname.")
    school_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Family) -> Family:
        return cls(
            id=strawberry.ID(encode_id("Family", m.id)),
            name=m.name,
            school_pk=m.school_id,
            pk=m.id,
        )

    @strawberry.field(description="The school.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)

    @strawberry.field(
        description="The family's students, eldest first: by grade level (highest first), "
        "then admission number; INACTIVE ones too."
    )
    async def students(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[Student, strawberry.lazy("api.types.students")]]:
        from api.types.students import Student

        rows = await models.Student.filter(family_id=self.pk).prefetch_related(
            "school_class__grade"
        )

        def eldest_first(s: models.Student) -> tuple[bool, int, str, int]:
            grade = s.school_class.grade if s.school_class else None
            return (grade is None, -(grade.level if grade else 0), s.admission_number, s.id)

        return [Student.of(r) for r in sorted(rows, key=eldest_first)]


@strawberry.type(description="A fee item's amount for a grade, a fee category, or both.")
class AmountOverride:
    grade_pk: strawberry.Private[int | None]
    category_pk: strawberry.Private[int | None]
    value: strawberry.Private[Decimal]
    currency: strawberry.Private[str]

    @strawberry.field(description="Null: any grade.")
    async def grade(self, info: strawberry.Info[Context, None]) -> Grade | None:
        row = (
            await info.context.loaders.by_id(models.Grade).load(self.grade_pk)
            if self.grade_pk
            else None
        )
        return Grade.of(row) if row else None

    @strawberry.field(description="Null: any fee category.")
    async def fee_category(self, info: strawberry.Info[Context, None]) -> FeeCategory | None:
        row = (
            await info.context.loaders.by_id(models.FeeCategory).load(self.category_pk)
            if self.category_pk
            else None
        )
        return FeeCategory.of(row) if row else None

    @strawberry.field(description="What such students pay; 0 leaves the item off.")
    def amount(self) -> Money:
        return money(self.value, self.currency)


@strawberry.type(description="A student taking an OPTIONAL fee item from one term on.")
class FeeSubscription(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    model: strawberry.Private[models.FeeSubscription]

    @classmethod
    def of(cls, m: models.FeeSubscription) -> FeeSubscription:
        return cls(id=strawberry.ID(encode_id("FeeSubscription", m.id)), model=m)

    @strawberry.field(description="The student.")
    async def student(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Student, strawberry.lazy("api.types.students")]:
        return await _student(info, self.model.student_id)

    @strawberry.field(description="The OPTIONAL fee item taken.")
    async def fee_item(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[FeeItem, strawberry.lazy("api.types.fees")]:
        item = await fee_item_of(info, self.model.fee_item_id)
        assert item is not None
        return item

    @strawberry.field(description="The first term billed.")
    async def from_term(self, info: strawberry.Info[Context, None]) -> Term:
        term = await _term(info, self.model.from_term_id)
        assert term is not None
        return term

    @strawberry.field(description="The last term billed; null: every later term too.")
    async def until_term(self, info: strawberry.Info[Context, None]) -> Term | None:
        return await _term(info, self.model.until_term_id)


@strawberry.type(
    description="A reduction the school grants: a scholarship, a bursary, a staff-child or "
    "a sibling discount."
)
class Discount(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
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
    school_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Discount) -> Discount:
        return cls(
            id=strawberry.ID(encode_id("Discount", m.id)),
            name=m.name,
            kind=m.kind,
            value=Decimal(m.value),
            sibling_position=m.sibling_position,
            school_pk=m.school_id,
            pk=m.id,
        )

    @strawberry.field(description="The school.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)

    @strawberry.field(description="The fee items it reduces; empty: every item of the invoice.")
    async def fee_items(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[FeeItem, strawberry.lazy("api.types.fees")]]:
        links = await info.context.loaders.children(models.DiscountFeeItem, "discount_id").load(
            self.pk
        )
        items = [await fee_item_of(info, link.fee_item_id) for link in links]
        return [i for i in items if i is not None]


@strawberry.type(description="A discount granted to one student from one term on.")
class StudentDiscount(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    reference: str | None = strawberry.field(
        description="E.g. the bursary letter or the sponsor's reference."
    )
    model: strawberry.Private[models.StudentDiscount]

    @classmethod
    def of(cls, m: models.StudentDiscount) -> StudentDiscount:
        return cls(
            id=strawberry.ID(encode_id("StudentDiscount", m.id)), reference=m.reference, model=m
        )

    @strawberry.field(description="The student.")
    async def student(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Student, strawberry.lazy("api.types.students")]:
        return await _student(info, self.model.student_id)

    @strawberry.field(description="The discount granted.")
    async def discount(self, info: strawberry.Info[Context, None]) -> Discount:
        row = await info.context.loaders.by_id(models.Discount).load(self.model.discount_id)
        assert row is not None
        return Discount.of(row)

    @strawberry.field(description="The first term it applies to.")
    async def from_term(self, info: strawberry.Info[Context, None]) -> Term:
        term = await _term(info, self.model.from_term_id)
        assert term is not None
        return term

    @strawberry.field(description="The last term it applies to; null: every later term too.")
    async def until_term(self, info: strawberry.Info[Context, None]) -> Term | None:
        return await _term(info, self.model.until_term_id)
