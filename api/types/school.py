"""Schools and their structure: terms, grades, streams, classes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.types.common import (
    AfterArg,
    Connection,
    FirstArg,
    Money,
    Node,
    linked,
    linked_required,
    money,
    paginate,
)
from api.types.prefetch import later, ready
from domain import models

if TYPE_CHECKING:
    from api.types.fees import FeeStructure
    from api.types.pricing import Discount, Family, FeeCategory
    from api.types.receivables import Receivables
    from api.types.reminders import ReminderPolicy


async def load_school(info: Info, pk: int) -> School:
    return await linked_required(info, models.School, School, pk)


async def school_money(info: Info, amount: Decimal | str | int, school_id: int) -> Money:
    """An amount in the currency of the school it belongs to."""
    return money(amount, (await load_school(info, school_id)).currency)


def school_money_now(info: Info, amount: Decimal | str | int, school_id: int) -> Money:
    """`school_money` without a coroutine once the school is loaded (a sync resolver's value,
    awaited by graphql-core only when the school is not loaded yet)."""
    loaded = ready(info.context.loaders.by_id(models.School), school_id)
    if loaded is not None and (school := loaded.result()) is not None:
        return money(amount, school.currency)
    return later(school_money(info, amount, school_id))


async def load_term(root: Any, info: Info) -> Term:
    """The term of an object that bills for one (`model.term_id`): a run or an invoice."""
    return await linked_required(info, models.Term, Term, root.model.term_id)


async def load_owner_school(root: Any, info: Info) -> School:
    """The school an object belongs to (`model.school_id`)."""
    return await load_school(info, root.model.school_id)


def owner_school(description: str) -> Any:
    """The `school` field of a type whose row belongs to one school."""
    return strawberry.field(resolver=load_owner_school, description=description)


@strawberry.type(description="What a school prints on the documents parents receive.")
class SchoolProfile:
    address: str | None = strawberry.field(description="Postal address; may hold several lines.")
    phone: str | None = strawberry.field(
        description="The school's phone number in E.164 (+254712345678)."
    )
    email: str | None = strawberry.field(description="Where parents write to the school.")
    payment_instructions: str | None = strawberry.field(
        description='How parents pay, printed on every invoice, e.g. "M-Pesa Paybill 123456, '
        'account: admission number".'
    )
    mpesa_short_code: str | None = strawberry.field(
        description="The M-Pesa paybill (business short code) whose payments come to this "
        "school; null when none."
    )

    @classmethod
    def of(cls, m: models.School) -> SchoolProfile:
        return cls(
            address=m.address,
            phone=m.phone,
            email=m.email,
            payment_instructions=m.payment_instructions,
            mpesa_short_code=m.mpesa_short_code,
        )


@strawberry.type(description="A school: it bills in one currency and numbers its own invoices.")
class School(Node):
    name: str = strawberry.field(description="The school's name.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount it bills.")
    model: strawberry.Private[models.School]

    @strawberry.field(description="Terms, earliest first.")
    async def terms(self, info: Info) -> list[Term]:
        rows = await info.context.loaders.children(models.Term, "school_id", "start_date").load(
            self.model.id
        )
        return [Term.of(r) for r in rows]

    @strawberry.field(description="Grades, lowest level first.")
    async def grades(self, info: Info) -> list[Grade]:
        loader = info.context.loaders.children(models.Grade, "school_id", "level")
        return [Grade.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(description="Streams, by name.")
    async def streams(self, info: Info) -> list[Stream]:
        loader = info.context.loaders.children(models.Stream, "school_id", "name")
        return [Stream.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(description="Classes, by name.")
    async def classes(self, info: Info) -> list[SchoolClass]:
        loader = info.context.loaders.children(models.SchoolClass, "school_id", "name")
        return [SchoolClass.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(
        description="Money owed to the school on `asOf` (default today), by age past the due date."
    )
    async def receivables(
        self,
        info: Info,
        as_of: Annotated[
            date | None, strawberry.argument(description="The day, at its end; default today.")
        ] = None,
    ) -> Annotated[Receivables, strawberry.lazy("api.types.receivables")]:
        from api.types.receivables import Receivables
        from domain.money.receivables import receivables

        return Receivables.of(await receivables(info.context.caller, self.model.id, as_of))

    @strawberry.field(description="Fee structures, by name.")
    async def fee_structures(
        self, info: Info
    ) -> list[Annotated[FeeStructure, strawberry.lazy("api.types.fees")]]:
        from api.types.fees import FeeStructure

        loader = info.context.loaders.children(models.FeeStructure, "school_id", "name")
        return [FeeStructure.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(description="Pricing groups of the school's students (Boarder, Day scholar).")
    async def fee_categories(
        self, info: Info
    ) -> list[Annotated[FeeCategory, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import FeeCategory

        loader = info.context.loaders.children(models.FeeCategory, "school_id", "name")
        return [FeeCategory.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(description="Discounts and bursaries the school grants.")
    async def discounts(
        self, info: Info
    ) -> list[Annotated[Discount, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import Discount

        loader = info.context.loaders.children(models.Discount, "school_id", "name")
        return [Discount.of(r) for r in await loader.load(self.model.id)]

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

        qs = models.Family.filter(school_id=self.model.id)
        if search:
            qs = qs.filter(name__icontains=search[:100])
        return await paginate(qs.order_by("name", "id"), first, after, Family.of)

    @strawberry.field(
        description="What the school prints on its invoices, receipts and statements."
    )
    def profile(self) -> SchoolProfile:
        return SchoolProfile.of(self.model)

    @strawberry.field(
        description="Unpaid balances are reminded by these stages; null when reminders are off."
    )
    async def reminder_policy(
        self,
    ) -> Annotated[ReminderPolicy, strawberry.lazy("api.types.reminders")] | None:
        from api.types.reminders import ReminderPolicy, ReminderStage
        from domain.reminder_policy import stages_of

        stages = await stages_of(self.model.id)
        return ReminderPolicy(stages=[ReminderStage.of(s) for s in stages]) if stages else None


@strawberry.type(description="A school term, the period a billing run bills for.")
class Term(Node):
    name: str = strawberry.field(description="e.g. Term 1 2026.")
    start_date: date = strawberry.field(description="First day of the term.")
    end_date: date = strawberry.field(description="Last day of the term.")
    model: strawberry.Private[models.Term]

    school = owner_school("The school the term belongs to.")


@strawberry.type(description="A year group (e.g. Grade 4); fees are priced per grade.")
class Grade(Node):
    name: str = strawberry.field(description="e.g. Grade 4.")
    level: int = strawberry.field(description="Orders grades: 1 for the first year.")
    model: strawberry.Private[models.Grade]

    school = owner_school("The school the grade belongs to.")


@strawberry.type(description="A stream (e.g. East) that runs across grades.")
class Stream(Node):
    name: str = strawberry.field(description="e.g. East.")
    model: strawberry.Private[models.Stream]

    school = owner_school("The school the stream belongs to.")


@strawberry.type(description="A class: one grade and optionally one stream (e.g. Grade 4 East).")
class SchoolClass(Node):
    name: str = strawberry.field(description="e.g. Grade 4 East.")
    model: strawberry.Private[models.SchoolClass]

    @strawberry.field(description="The class's grade, which prices its students' fees.")
    async def grade(self, info: Info) -> Grade:
        return await linked_required(info, models.Grade, Grade, self.model.grade_id)

    @strawberry.field(description="The class's stream, if any.")
    async def stream(self, info: Info) -> Stream | None:
        return await linked(info, models.Stream, Stream, self.model.stream_id)

    school = owner_school("The school the class belongs to.")
