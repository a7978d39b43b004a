"""Payments as clients see them: receipt, channel, allocations, credit left, reversal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import Money, Node, money
from api.types.money import PaymentAllocation, PaymentChannel, currency_of
from api.types.students import Student
from domain import models

if TYPE_CHECKING:
    from api.types.pricing import Family


def _plain(value: Decimal | None) -> Decimal | None:
    """A rate as given: the column's trailing zeros dropped, never in exponent form."""
    if value is None:
        return None
    d = Decimal(value)
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


@strawberry.type(description="Money received for a student, spread over their invoices.")
class Payment(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    paid_on: date = strawberry.field(description="The day the money was received.")
    method: str = strawberry.field(
        description="How it was paid: cash, bank transfer, mobile money, card, cheque or free text."
    )
    reference: str | None = strawberry.field(description="Receipt, transaction or cheque number.")
    recorded_at: datetime = strawberry.field(description="When the payment was recorded.")
    receipt_number: str = strawberry.field(
        description="Unique and gap-free per school, RCT-<year of paidOn>-<6 digits>."
    )
    channel: PaymentChannel = strawberry.field(description="Where the payment came from.")
    reversed_at: datetime | None = strawberry.field(description="When it was reversed.")
    reversal_reason: str | None = strawberry.field(description="Why it was reversed.")
    exchange_rate: Decimal | None = strawberry.field(
        description="Units of the school's currency per unit of the currency received; null "
        "when paid in the school's currency."
    )
    model: strawberry.Private[models.Payment]
    school_pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: Any, **values: Any) -> Payment:
        return cls(
            id=strawberry.ID(encode_id("Payment", m.id)),
            paid_on=m.paid_on,
            method=m.method,
            reference=m.reference,
            recorded_at=m.recorded_at,
            receipt_number=m.receipt_number,
            channel=m.channel,
            reversed_at=m.reversed_at,
            reversal_reason=m.reversal_reason,
            exchange_rate=_plain(m.exchange_rate),
            model=m,
            school_pk=m.school_id,
        )

    @strawberry.field(
        description="The amount received, in the school's currency: what is allocated."
    )
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.amount, await currency_of(info, self.school_pk))

    @strawberry.field(description="The student paid for; null for a family payment.")
    async def student(self, info: strawberry.Info[Context, None]) -> Student | None:
        if self.model.student_id is None:
            return None
        row = await info.context.loaders.by_id(models.Student).load(self.model.student_id)
        return Student.of(row) if row else None

    @strawberry.field(
        description="The family paid for, when the payment was received for a family."
    )
    async def family(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Family, strawberry.lazy("api.types.pricing")] | None:
        from api.types.pricing import Family

        if self.model.family_id is None:
            return None
        row = await info.context.loaders.by_id(models.Family).load(self.model.family_id)
        return Family.of(row) if row else None

    @strawberry.field(
        description="How the payment was spread over invoices; what is left is unallocatedAmount. "
        "Empty once reversed."
    )
    async def allocations(self, info: strawberry.Info[Context, None]) -> list[PaymentAllocation]:
        rows = await info.context.loaders.children(
            models.PaymentAllocation, "payment_id", "id"
        ).load(self.model.id)
        return [PaymentAllocation(model=r) for r in rows]

    @strawberry.field(
        description="Not yet allocated: it pays the student's next invoices, oldest first."
    )
    async def unallocated_amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.unallocated_amount, await currency_of(info, self.school_pk))

    @strawberry.field(
        description="What was handed over, when it was another currency than the school's; "
        "null otherwise."
    )
    def received_amount(self) -> Money | None:
        if self.model.received_amount is None or self.model.received_currency is None:
            return None
        return money(self.model.received_amount, self.model.received_currency)
