"""What a reversed family payment had given each student: their ledgers keep showing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.models.invoices import Payment
    from domain.models.school import School, Student


class ReversedPart(Model):
    """One student's part of a family payment when it was reversed.

    A reversal removes the payment's allocations; this row keeps what the student had, so
    their ledger shows the part paid and its reversal.
    """

    id = fields.BigIntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="reversed_parts", on_delete=fields.CASCADE
    )
    school_id: int
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="reversed_parts", on_delete=fields.CASCADE
    )
    payment_id: int
    student: fields.ForeignKeyRelation[Student] = fields.ForeignKeyField(
        "models.Student", related_name="reversed_parts", on_delete=fields.RESTRICT
    )
    student_id: int
    amount = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "reversed_part"
        indexes = (("student_id",), ("payment_id",))
