"""Mutations on students' accounts: opening balances, credit notes, payments and reversals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Protocol

import strawberry

from api.context import Info
from api.ids import decode_id
from api.mutations.base import mutation, outcome, outcomes, payload
from api.types.invoices import Invoice, Payment
from api.types.money import CreditNote
from api.types.students import Student
from domain.access import get_visible
from domain.errors import DomainError, ErrorCode
from domain.models import Family as FamilyRow
from domain.models import Student as StudentRow
from domain.money import credit_notes, opening, payments
from domain.money import family as family_money
from domain.money.payment_input import Foreign, PaymentTerms


@strawberry.input(
    description="Money handed over in another currency than the school's (e.g. ZiG at a "
    "USD-priced school)."
)
class ForeignAmountInput:
    amount: Decimal = strawberry.field(description="What was handed over, in `currency`.")
    currency: str = strawberry.field(description="ISO 4217.")
    rate: Decimal = strawberry.field(
        description="Units of the school's currency per unit of `currency`, as the day's "
        "official rate. The payment's `amount` must be amount x rate, rounded half-up to the "
        "cent (INVALID_INPUT otherwise)."
    )

    def to_domain(self) -> Foreign:
        return Foreign(self.amount, self.currency, self.rate)


class PaymentFields(Protocol):
    """The fields every money-in input has (receivePayment, recordPayment)."""

    amount: Decimal
    paid_on: date
    method: str
    reference: str | None
    received: ForeignAmountInput | None


def payment_terms(input: PaymentFields) -> PaymentTerms:
    """A money-in input's payment, as the domain's commands take it."""
    received = input.received.to_domain() if input.received is not None else None
    return PaymentTerms(
        amount=input.amount,
        paid_on=input.paid_on,
        method=input.method,
        reference=input.reference,
        foreign=received,
    )


@strawberry.input(description="One student's opening balance.")
class OpeningBalanceInput:
    student_id: strawberry.ID = strawberry.field(description="A student of the school.")
    amount: Decimal = strawberry.field(
        description="Owed before the first invoice of this system; negative: the school owes "
        "the student (a credit)."
    )


@strawberry.input(description="Opening balances of a school's students, as of one day.")
class SetOpeningBalancesInput:
    school_id: strawberry.ID = strawberry.field(description="The school.")
    as_of: date = strawberry.field(description="The day the balances are owed on.")
    balances: list[OpeningBalanceInput] = strawberry.field(
        description="At most 1,000 a call; all are set or none. Setting a student's opening "
        "balance again replaces it."
    )


@payload(description="The students whose opening balances were set, or why not.")
class SetOpeningBalancesPayload:
    students: list[Student] = outcomes("In the order given; empty on errors.")


@strawberry.input(description="A credit note against an invoice.")
class IssueCreditNoteInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice credited.")
    amount: Decimal = strawberry.field(
        description="More than 0 and at most the invoice's balance (EXCEEDS_BALANCE)."
    )
    reason: str = strawberry.field(description="Why; printed on the note.")
    issued_on: date | None = strawberry.field(default=None, description="Default: today.")


@payload(description="The credit note issued and its invoice, or why not.")
class CreditNotePayload:
    credit_note: CreditNote | None = outcome("Null on errors.")
    invoice: Invoice | None = outcome("The invoice after the note.")


@strawberry.input(description="Money received for a student or a family.")
class ReceivePaymentInput:
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Exactly one of studentId and familyId."
    )
    family_id: strawberry.ID | None = strawberry.field(
        default=None, description="Exactly one of studentId and familyId."
    )
    amount: Decimal = strawberry.field(description="More than 0, in the school's currency.")
    paid_on: date = strawberry.field(description="The day the money was received.")
    method: str = strawberry.field(description="Cash, bank transfer, mobile money, cheque...")
    reference: str | None = strawberry.field(
        default=None, description="Bank slip, transaction or cheque number."
    )
    received: ForeignAmountInput | None = strawberry.field(
        default=None, description="When the money was handed over in another currency."
    )


@payload(description="The payment, or why not.")
class PaymentPayload:
    payment: Payment | None = outcome("Null on errors.")


@strawberry.input(description="A payment to undo, and why.")
class ReversePaymentInput:
    payment_id: strawberry.ID = strawberry.field(description="A payment not yet reversed.")
    reason: str = strawberry.field(description="Why (a bounced cheque, a mistaken entry).")


async def _one_payer(info: Info, input: ReceivePaymentInput) -> tuple[int | None, int | None]:
    """The student or the family paid for (exactly one): (student pk, family pk). Ids the
    caller may not see are NOT_FOUND before the complaint about giving both."""
    student_pk = decode_id(input.student_id, "Student")
    family_pk = decode_id(input.family_id, "Family")
    if input.student_id is not None and input.family_id is not None:
        caller = info.context.caller
        await get_visible(caller, StudentRow, student_pk, "Student", ["studentId"])
        await get_visible(caller, FamilyRow, family_pk, "Family", ["familyId"])
    if (input.student_id is None) == (input.family_id is None):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Give exactly one of studentId and familyId.", ["studentId"]
        )
    return student_pk, family_pk


@strawberry.type
class AccountMutation:
    @mutation(
        "Sets students' opening balances (FINANCE); credit and payments re-spread.",
        input="Balances.",
    )
    async def set_opening_balances(
        self, info: Info, input: SetOpeningBalancesInput
    ) -> SetOpeningBalancesPayload:
        rows = await opening.set_opening_balances(
            info.context.caller,
            decode_id(input.school_id, "School"),
            input.as_of,
            [
                opening.OpeningIn(decode_id(b.student_id, "Student"), b.amount)
                for b in input.balances
            ],
        )
        return SetOpeningBalancesPayload(students=[Student.of(r) for r in rows])

    @mutation(
        "Reduces an invoice's balance; a note for the whole balance of an invoice "
        "with nothing paid cancels it.",
        input="The note.",
    )
    async def issue_credit_note(self, info: Info, input: IssueCreditNoteInput) -> CreditNotePayload:
        note = await credit_notes.issue_credit_note(
            info.context.caller,
            decode_id(input.invoice_id, "Invoice"),
            amount=input.amount,
            reason=input.reason,
            issued_on=input.issued_on,
        )
        from domain.models import Invoice as InvoiceRow

        invoice = await InvoiceRow.get(id=note.invoice_id)
        return CreditNotePayload(credit_note=CreditNote.of(note), invoice=Invoice.of(invoice))

    @mutation(
        "Money received for a student or a family, spread over their invoices "
        "oldest due first; the rest stays as credit.",
        input="The payment.",
    )
    async def receive_payment(self, info: Info, input: ReceivePaymentInput) -> PaymentPayload:
        student_pk, family_pk = await _one_payer(info, input)
        receive = (
            partial(payments.receive_payment, info.context.caller, student_pk)
            if family_pk is None
            else partial(family_money.receive_family_payment, info.context.caller, family_pk)
        )
        row = await receive(**payment_terms(input))
        return PaymentPayload(payment=Payment.of(row))

    @mutation(
        "Undoes a payment (a bounced cheque, a mistaken entry): its allocations are "
        "removed and the invoices owe again.",
        input="The payment.",
    )
    async def reverse_payment(self, info: Info, input: ReversePaymentInput) -> PaymentPayload:
        row = await payments.reverse_payment(
            info.context.caller, decode_id(input.payment_id, "Payment"), reason=input.reason
        )
        return PaymentPayload(payment=Payment.of(row))
