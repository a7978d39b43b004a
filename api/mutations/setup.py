"""Mutations that set a school up: the school, its terms, grades, streams and classes."""

from __future__ import annotations

from datetime import date

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ref
from api.mutations.base import mutation, outcome, payload
from api.types.common import optional
from api.types.school import Grade, School, SchoolClass, Stream, Term
from domain import schools


@strawberry.input(description="A new school.")
class CreateSchoolInput:
    name: str = strawberry.field(description="Unique within the account.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. KES, USD.")


@payload(description="The school created, or why not.")
class SchoolPayload:
    school: School | None = outcome("The school; null on errors.")


@strawberry.input(description="A new term of a school.")
class CreateTermInput:
    school_id: strawberry.ID = strawberry.field(description="The school the term belongs to.")
    name: str = strawberry.field(description="Unique within the school, e.g. Term 1 2026.")
    start_date: date = strawberry.field(description="First day of the term.")
    end_date: date = strawberry.field(description="Last day of the term; not before startDate.")


@payload(description="The term created, or why not.")
class TermPayload:
    term: Term | None = outcome("The term; null on errors.")


@strawberry.input(description="A new grade (year group) of a school.")
class CreateGradeInput:
    school_id: strawberry.ID = strawberry.field(description="The school the grade belongs to.")
    name: str = strawberry.field(description="Unique within the school, e.g. Grade 4.")
    level: int = strawberry.field(description="Orders grades: 0 or more, 1 for the first year.")


@payload(description="The grade created, or why not.")
class GradePayload:
    grade: Grade | None = outcome("The grade; null on errors.")


@strawberry.input(description="A new stream of a school.")
class CreateStreamInput:
    school_id: strawberry.ID = strawberry.field(description="The school the stream belongs to.")
    name: str = strawberry.field(description="Unique within the school, e.g. East.")


@payload(description="The stream created, or why not.")
class StreamPayload:
    stream: Stream | None = outcome("The stream; null on errors.")


@strawberry.input(description="A new class of a school: one grade and optionally one stream.")
class CreateSchoolClassInput:
    school_id: strawberry.ID = strawberry.field(description="The school the class belongs to.")
    grade_id: strawberry.ID = strawberry.field(description="A grade of the same school.")
    stream_id: strawberry.ID | None = optional("A stream of the same school, if the class has one.")
    name: str = strawberry.field(description="Unique within the school, e.g. Grade 4 East.")


@payload(description="The class created, or why not.")
class SchoolClassPayload:
    school_class: SchoolClass | None = outcome("The class; null on errors.")


@strawberry.type
class SetupMutation:
    @mutation("Adds a school to the account (ADMIN).", input="The school to create.")
    async def create_school(self, info: Info, input: CreateSchoolInput) -> SchoolPayload:
        row = await schools.create_school(
            info.context.caller, name=input.name, currency=input.currency
        )
        return SchoolPayload(school=School.of(row))

    @mutation("Adds a term to a school (ADMIN).", input="The term to create.")
    async def create_term(self, info: Info, input: CreateTermInput) -> TermPayload:
        row = await schools.create_term(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            name=input.name,
            start_date=input.start_date,
            end_date=input.end_date,
        )
        return TermPayload(term=Term.of(row))

    @mutation("Adds a grade to a school (ADMIN).", input="The grade to create.")
    async def create_grade(self, info: Info, input: CreateGradeInput) -> GradePayload:
        row = await schools.create_grade(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            name=input.name,
            level=input.level,
        )
        return GradePayload(grade=Grade.of(row))

    @mutation("Adds a stream to a school (ADMIN).", input="The stream to create.")
    async def create_stream(self, info: Info, input: CreateStreamInput) -> StreamPayload:
        row = await schools.create_stream(
            info.context.caller, school_id=decode_id(input.school_id, "School"), name=input.name
        )
        return StreamPayload(stream=Stream.of(row))

    @mutation(
        "Adds a class to a school (ADMIN); its grade and stream must be of that school.",
        input="The class to create.",
    )
    async def create_school_class(
        self, info: Info, input: CreateSchoolClassInput
    ) -> SchoolClassPayload:
        row = await schools.create_school_class(
            info.context.caller,
            school_id=decode_id(input.school_id, "School"),
            grade_id=decode_id(input.grade_id, "Grade"),
            stream_id=decode_ref(input.stream_id, "Stream"),
            name=input.name,
        )
        return SchoolClassPayload(school_class=SchoolClass.of(row))
