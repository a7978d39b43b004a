"""What a reversed family payment had given each student: their ledgers keep showing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import big_pk, fk, money, school_fk

if TYPE_CHECKING:
    from domain.models.invoices import Payment
    from domain.models.school import School, Student


class ReversedPart(Model):
    """One student's part of a family payment when it was reversed.

    A reversal removes the payment's allocations; this row keeps what the student had, so
    their ledger shows the part paid and its reversal.
    """

    id = big_pk()
    school: fields.ForeignKeyRelation[School] = school_fk("reversed_parts")
    school_id: int
    payment: fields.ForeignKeyRelation[Payment] = fk("Payment", "reversed_parts", fields.CASCADE)
    payment_id: int
    student: fields.ForeignKeyRelation[Student] = fk("Student", "reversed_parts")
    student_id: int
    amount = money()

    class Meta:
        table = "reversed_part"
        indexes = (("student_id",), ("payment_id",))
