"""M-Pesa payments as clients see them, the list of a school's, and the mutations on them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from api.context import Context, Info
from api.ids import decode_id, encode_id
from api.mutations.base import mutation, outcome, payload
from api.types.common import AfterArg, Connection, FirstArg, Money, Node, money, paginate
from api.types.enums import serve_enum
from api.types.money import currency_of, load_payment
from api.types.payments import Payment
from api.types.school import School, load_school
from domain import models
from domain.money import mpesa

MobileMoneyStatus = models.MobileMoneyStatus
serve_enum(
    MobileMoneyStatus,
    "MobileMoneyStatus",
    "Whether an M-Pesa payment found its student.",
    {
        "MATCHED": "Paid to the student whose admission number (or invoice number) it carried.",
        "UNMATCHED": "No student or invoice matched its account reference: waiting for "
        "assignTransaction.",
        "ASSIGNED": "Assigned to a student by hand.",
    },
)


@strawberry.type(description="A payment received from M-Pesa, matched or waiting to be.")
class MobileMoneyTransaction(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    transaction_id: str = strawberry.field(
        description="The provider's transaction id (M-Pesa TransID); one payment per id, "
        "however often it is delivered."
    )
    received_at: datetime = strawberry.field(description="When M-Pesa took the money (TransTime).")
    account_reference: str = strawberry.field(
        description="What the payer typed as account (BillRefNumber)."
    )
    payer_name: str | None = strawberry.field(description="The payer's name as M-Pesa gives it.")
    status: MobileMoneyStatus = strawberry.field(description="Matched, unmatched or assigned.")
    model: strawberry.Private[models.MobileMoneyTransaction]

    @classmethod
    def of(cls, m: Any, **values: Any) -> MobileMoneyTransaction:
        return cls(
            id=strawberry.ID(encode_id("MobileMoneyTransaction", m.id)),
            transaction_id=m.transaction_id,
            received_at=m.received_at,
            account_reference=m.account_reference,
            payer_name=m.payer_name,
            status=m.status,
            model=m,
        )

    @strawberry.field(description="The school paid.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.model.school_id)

    @strawberry.field(description="The amount received.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.amount, await currency_of(info, self.model.school_id))

    @strawberry.field(description="The payment it made; null while unmatched.")
    async def payment(self, info: strawberry.Info[Context, None]) -> Payment | None:
        return await load_payment(info, self.model.payment_id)


@strawberry.type
class MobileMoneyQuery:
    @strawberry.field(description="M-Pesa payments received by the school, newest first.")
    async def mobile_money_transactions(
        self,
        info: strawberry.Info[Context, None],
        school_id: Annotated[strawberry.ID, strawberry.argument(description="The school.")],
        statuses: Annotated[
            list[MobileMoneyStatus] | None,
            strawberry.argument(description="Only these statuses; null or empty: all."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[MobileMoneyTransaction]:
        qs = await mpesa.transactions(info.context.caller, decode_id(school_id, "School"), statuses)
        return await paginate(qs, first, after, MobileMoneyTransaction.of)


@strawberry.input(description="An unmatched M-Pesa payment and the student it pays.")
class AssignTransactionInput:
    transaction_id: strawberry.ID = strawberry.field(
        description="An UNMATCHED MobileMoneyTransaction."
    )
    student_id: strawberry.ID = strawberry.field(description="A student of the same school.")


@payload(description="The M-Pesa payment after the change, or why not.")
class MobileMoneyTransactionPayload:
    transaction: MobileMoneyTransaction | None = outcome("Null on errors.")


@strawberry.input(description="A school.")
class SchoolIdInput:
    school_id: strawberry.ID = strawberry.field(description="The school.")


@payload(description="The webhook's new paths, shown once, or why not.")
class MpesaWebhookPayload:
    validation_path: str | None = outcome(
        "Paths to register with Daraja as validation and confirmation URLs, "
        "holding a new secret; shown once."
    )
    confirmation_path: str | None = outcome(
        "The confirmation URL's path (same secret); shown once."
    )


@strawberry.type
class MobileMoneyMutation:
    @mutation(
        "Pays a student from an UNMATCHED M-Pesa payment (FINANCE); it becomes "
        "ASSIGNED and its payment keeps the M-Pesa date.",
        input="What to pay.",
    )
    async def assign_transaction(
        self, info: Info, input: AssignTransactionInput
    ) -> MobileMoneyTransactionPayload:
        row = await mpesa.assign_transaction(
            info.context.caller,
            decode_id(input.transaction_id, "MobileMoneyTransaction"),
            decode_id(input.student_id, "Student"),
        )
        return MobileMoneyTransactionPayload(transaction=MobileMoneyTransaction.of(row))

    @mutation(
        "ADMIN only: a new secret for the school's M-Pesa webhook; the old one stops working.",
        input="The school.",
    )
    async def rotate_mpesa_webhook_secret(
        self, info: Info, input: SchoolIdInput
    ) -> MpesaWebhookPayload:
        secret = await mpesa.rotate_secret(
            info.context.caller, decode_id(input.school_id, "School")
        )
        base = f"{mpesa.WEBHOOK_PREFIX}/{secret}"
        return MpesaWebhookPayload(
            validation_path=f"{base}/validation",
            confirmation_path=f"{base}/confirmation",
        )
