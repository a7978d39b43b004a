"""Schools and their structure: terms, grades, streams, classes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import AfterArg, Connection, FirstArg, Node, paginate
from domain import models

if TYPE_CHECKING:
    from api.types.fees import FeeStructure
    from api.types.pricing import Discount, Family, FeeCategory


async def load_school(info: strawberry.Info[Context, None], pk: int) -> School:
    row = await info.context.loaders.by_id(models.School).load(pk)
    assert row is not None, f"school {pk} of a visible object is missing"
    return School.of(row)


@strawberry.type(description="A school: it bills in one currency and numbers its own invoices.")
class School(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="The school's name.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount it bills.")
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.School) -> School:
        return cls(
            id=strawberry.ID(encode_id("School", m.id)), name=m.name, currency=m.currency, pk=m.id
        )

    @strawberry.field(description="Terms, earliest first.")
    async def terms(self, info: strawberry.Info[Context, None]) -> list[Term]:
        rows = await info.context.loaders.children(models.Term, "school_id", "start_date").load(
            self.pk
        )
        return [Term.of(r) for r in rows]

    @strawberry.field(description="Grades, lowest level first.")
    async def grades(self, info: strawberry.Info[Context, None]) -> list[Grade]:
        rows = await info.context.loaders.children(models.Grade, "school_id", "level").load(self.pk)
        return [Grade.of(r) for r in rows]

    @strawberry.field(description="Streams, by name.")
    async def streams(self, info: strawberry.Info[Context, None]) -> list[Stream]:
        rows = await info.context.loaders.children(models.Stream, "school_id", "name").load(self.pk)
        return [Stream.of(r) for r in rows]

    @strawberry.field(description="Classes, by name.")
    async def classes(self, info: strawberry.Info[Context, None]) -> list[SchoolClass]:
        rows = await info.context.loaders.children(models.SchoolClass, "school_id", "name").load(
            self.pk
        )
        return [SchoolClass.of(r) for r in rows]

    @strawberry.field(description="Fee structures, by name.")
    async def fee_structures(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[FeeStructure, strawberry.lazy("api.types.fees")]]:
        from api.types.fees import FeeStructure

        rows = await info.context.loaders.children(models.FeeStructure, "school_id", "name").load(
            self.pk
        )
        return [FeeStructure.of(r) for r in rows]

    @strawberry.field(description="Pricing groups of the school's students (Boarder, Day scholar).")
    async def fee_categories(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[FeeCategory, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import FeeCategory

        rows = await info.context.loaders.children(models.FeeCategory, "school_id", "name").load(
            self.pk
        )
        return [FeeCategory.of(r) for r in rows]

    @strawberry.field(description="Discounts and bursaries the school grants.")
    async def discounts(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[Discount, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import Discount

        rows = await info.context.loaders.children(models.Discount, "school_id", "name").load(
            self.pk
        )
        return [Discount.of(r) for r in rows]

    @strawberry.field(description="Families (siblings) of the school, by name.")
    async def families(
        self,
        search: Annotated[
            str | None,
            strawberry.argument(description="Matches the family's name, case-insensitive."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Annotated[Family, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import Family

        qs = models.Family.filter(school_id=self.pk)
        if search:
            qs = qs.filter(name__icontains=search[:100])
        return await paginate(qs.order_by("name", "id"), first, after, Family.of)


@strawberry.type(description="A school term, the period a billing run bills for.")
class Term(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="e.g. Term 1 2026.")
    start_date: date = strawberry.field(description="First day of the term.")
    end_date: date = strawberry.field(description="Last day of the term.")
    school_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Term) -> Term:
        return cls(
            id=strawberry.ID(encode_id("Term", m.id)),
            name=m.name,
            start_date=m.start_date,
            end_date=m.end_date,
            school_pk=m.school_id,
            pk=m.id,
        )

    @strawberry.field(description="The school the term belongs to.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)


@strawberry.type(description="A year group (e.g. Grade 4); fees are priced per grade.")
class Grade(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="e.g. Grade 4.")
    level: int = strawberry.field(description="Orders grades: 1 for the first year.")
    school_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Grade) -> Grade:
        return cls(
            id=strawberry.ID(encode_id("Grade", m.id)),
            name=m.name,
            level=m.level,
            school_pk=m.school_id,
            pk=m.id,
        )

    @strawberry.field(description="The school the grade belongs to.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)


@strawberry.type(description="A stream (e.g. East) that runs across grades.")
class Stream(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="e.g. East.")
    school_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Stream) -> Stream:
        return cls(
            id=strawberry.ID(encode_id("Stream", m.id)), name=m.name, school_pk=m.school_id, pk=m.id
        )

    @strawberry.field(description="The school the stream belongs to.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)


@strawberry.type(description="A class: one grade and optionally one stream (e.g. Grade 4 East).")
class SchoolClass(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(description="e.g. Grade 4 East.")
    school_pk: strawberry.Private[int]
    grade_pk: strawberry.Private[int]
    stream_pk: strawberry.Private[int | None]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.SchoolClass) -> SchoolClass:
        return cls(
            id=strawberry.ID(encode_id("SchoolClass", m.id)),
            name=m.name,
            school_pk=m.school_id,
            grade_pk=m.grade_id,
            stream_pk=m.stream_id,
            pk=m.id,
        )

    @strawberry.field(description="The class's grade, which prices its students' fees.")
    async def grade(self, info: strawberry.Info[Context, None]) -> Grade:
        row = await info.context.loaders.by_id(models.Grade).load(self.grade_pk)
        assert row is not None
        return Grade.of(row)

    @strawberry.field(description="The class's stream, if any.")
    async def stream(self, info: strawberry.Info[Context, None]) -> Stream | None:
        if self.stream_pk is None:
            return None
        row = await info.context.loaders.by_id(models.Stream).load(self.stream_pk)
        return Stream.of(row) if row else None

    @strawberry.field(description="The school the class belongs to.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)
