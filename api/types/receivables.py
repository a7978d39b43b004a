"""What a school is owed, by age past the due date and by grade."""

from __future__ import annotations

from datetime import date

import strawberry

from api.context import Context
from api.types.common import Money, money
from api.types.school import Grade
from domain import models
from domain.money import receivables as recv


@strawberry.type(description="Money owed in one age band past the due date.")
class ReceivablesBucket:
    label: str = strawberry.field(
        description="current, 1-30, 31-60, 61-90, over-90 (days past due)."
    )
    invoice_count: int = strawberry.field(
        description="Debts in the band (invoices, and opening balances still owed)."
    )
    amount: Money = strawberry.field(description="What they still owe.")


@strawberry.type(description="Money owed by the students of one grade.")
class GradeReceivables:
    grade_pk: strawberry.Private[int | None]
    amount: Money = strawberry.field(description="What the grade's students owe.")
    student_count: int = strawberry.field(description="Students owing something.")

    @strawberry.field(description="Null: students without a class.")
    async def grade(self, info: strawberry.Info[Context, None]) -> Grade | None:
        if self.grade_pk is None:
            return None
        row = await info.context.loaders.by_id(models.Grade).load(self.grade_pk)
        return Grade.of(row) if row else None


@strawberry.type(description="Money owed to a school on a day, by age past due and by grade.")
class Receivables:
    as_of: date = strawberry.field(description="The day, at its end.")
    total: Money = strawberry.field(description="Everything owed.")
    buckets: list[ReceivablesBucket] = strawberry.field(description="By days past due.")
    by_grade: list[GradeReceivables] = strawberry.field(
        description="By the students' current grade."
    )

    @classmethod
    def of(cls, r: recv.Receivables) -> Receivables:
        c = r.currency
        return cls(
            as_of=r.as_of,
            total=money(r.total, c),
            buckets=[
                ReceivablesBucket(
                    label=b.label, invoice_count=b.invoice_count, amount=money(b.amount, c)
                )
                for b in r.buckets
            ],
            by_grade=[
                GradeReceivables(
                    grade_pk=g.grade_id, amount=money(g.amount, c), student_count=g.student_count
                )
                for g in r.by_grade
            ],
        )
