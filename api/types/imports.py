"""Payment imports as clients see them, the list of a school's, and the mutations on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from api.context import Context, Info
from api.ids import decode_id, encode_id
from api.mutations.base import mutation, outcome, payload
from api.types.common import AfterArg, Connection, FirstArg, Money, Node, money, paginate
from api.types.enums import serve_enum
from api.types.money import currency_of, load_student
from api.types.school import School, load_school
from api.types.students import Student
from domain import models
from domain.money import imports

PaymentImportFormat = models.ImportFormat
PaymentImportStatus = models.ImportStatus
PaymentImportLineStatus = models.ImportLineStatus
serve_enum(
    PaymentImportFormat,
    "PaymentImportFormat",
    "A file's layout.",
    {
        "MPESA_STATEMENT": "An M-Pesa paybill statement as the M-Pesa portal exports it "
        "(Receipt No., Completion Time, Paid In, A/C No., Other Party Info).",
        "SIMPLE_CSV": "Columns date, amount, reference, account (admission or invoice "
        "number), with a header row.",
    },
)
serve_enum(
    PaymentImportStatus,
    "PaymentImportStatus",
    "Where an import is.",
    {"DRAFT": "Read and previewed; nothing paid.", "CONFIRMED": "Its MATCHED rows are paid."},
)
serve_enum(
    PaymentImportLineStatus,
    "PaymentImportLineStatus",
    "What a row will do.",
    {
        "MATCHED": "Will pay the matched student.",
        "UNMATCHED": "No student or invoice matches: left out unless assigned.",
        "DUPLICATE": "The transaction reference is already recorded (in this school or "
        "earlier in the file).",
        "INVALID": "The row cannot be read (amount, date); message says why.",
    },
)


@strawberry.type(description="One data row of an import and what it will do.")
class PaymentImportLine:
    row_number: int = strawberry.field(
        description="Data rows of the file from 1, header not counted."
    )
    status: PaymentImportLineStatus = strawberry.field(description="What the row will do.")
    transaction_reference: str | None = strawberry.field(description="The row's reference.")
    paid_on: date | None = strawberry.field(description="The row's date.")
    account_reference: str | None = strawberry.field(description="What the payer gave as account.")
    message: str | None = strawberry.field(description="Why it is not MATCHED.")
    model: strawberry.Private[models.PaymentImportLine]
    school_pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.PaymentImportLine, school_pk: int) -> PaymentImportLine:
        return cls(
            row_number=m.row_number,
            status=m.status,
            transaction_reference=m.transaction_reference,
            paid_on=m.paid_on,
            account_reference=m.account_reference,
            message=m.message,
            model=m,
            school_pk=school_pk,
        )

    @strawberry.field(description="The amount; null when it cannot be read.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money | None:
        if self.model.amount is None:
            return None
        return money(self.model.amount, await currency_of(info, self.school_pk))

    @strawberry.field(description="The student it pays (MATCHED rows).")
    async def student(self, info: strawberry.Info[Context, None]) -> Student | None:
        if self.model.student_id is None:
            return None
        return await load_student(info, self.model.student_id)


@strawberry.type(
    description="A statement of payments read from a file, previewed line by line, then "
    "confirmed at once."
)
class PaymentImport(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    format: PaymentImportFormat = strawberry.field(description="The file's layout.")
    status: PaymentImportStatus = strawberry.field(description="DRAFT until confirmed.")
    matched_count: int = strawberry.field(description="Rows that pay a student.")
    unmatched_count: int = strawberry.field(description="Rows waiting for a student.")
    duplicate_count: int = strawberry.field(description="Rows already recorded.")
    invalid_count: int = strawberry.field(description="Rows that cannot be read.")
    created_at: datetime = strawberry.field(description="When the file was read.")
    confirmed_at: datetime | None = strawberry.field(description="When it was confirmed.")
    model: strawberry.Private[models.PaymentImport]

    @classmethod
    def of(cls, m: Any, **values: Any) -> PaymentImport:
        return cls(
            id=strawberry.ID(encode_id("PaymentImport", m.id)),
            format=m.format,
            status=m.status,
            matched_count=m.matched_count,
            unmatched_count=m.unmatched_count,
            duplicate_count=m.duplicate_count,
            invalid_count=m.invalid_count,
            created_at=m.created_at,
            confirmed_at=m.confirmed_at,
            model=m,
        )

    @strawberry.field(description="The school paid.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.model.school_id)

    @strawberry.field(description="Sum of the MATCHED rows.")
    async def matched_amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.matched_amount, await currency_of(info, self.model.school_id))

    @strawberry.field(description="The rows, by row number; optionally of one status.")
    async def lines(
        self,
        status: Annotated[
            PaymentImportLineStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[PaymentImportLine]:
        qs = models.PaymentImportLine.filter(payment_import_id=self.model.id)
        if status is not None:
            qs = qs.filter(status=status)
        school = self.model.school_id
        return await paginate(
            qs.order_by("row_number"), first, after, lambda r: PaymentImportLine.of(r, school)
        )


@strawberry.type
class PaymentImportQuery:
    @strawberry.field(description="The school's payment imports, newest first.")
    async def payment_imports(
        self,
        info: strawberry.Info[Context, None],
        school_id: Annotated[strawberry.ID, strawberry.argument(description="The school.")],
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[PaymentImport]:
        qs = await imports.imports(info.context.caller, decode_id(school_id, "School"))
        return await paginate(qs, first, after, PaymentImport.of)


@strawberry.input(description="A statement to read into a DRAFT import.")
class CreatePaymentImportInput:
    school_id: strawberry.ID = strawberry.field(description="The school paid.")
    format: PaymentImportFormat = strawberry.field(description="The file's layout.")
    content: str = strawberry.field(
        description="The file's text (UTF-8, comma-separated); at most 20,000 rows."
    )


@strawberry.input(description="An import.")
class PaymentImportIdInput:
    payment_import_id: strawberry.ID = strawberry.field(description="The import.")


@strawberry.input(description="An UNMATCHED row of a DRAFT import and the student it pays.")
class AssignPaymentImportLineInput:
    payment_import_id: strawberry.ID = strawberry.field(description="The import.")
    row_number: int = strawberry.field(description="The row.")
    student_id: strawberry.ID = strawberry.field(description="A student of the same school.")


@payload(description="The import after the change, or why not.")
class PaymentImportPayload:
    payment_import: PaymentImport | None = outcome("Null on errors.")


def _payload(row: models.PaymentImport) -> PaymentImportPayload:
    return PaymentImportPayload(payment_import=PaymentImport.of(row))


@strawberry.type
class PaymentImportMutation:
    @mutation(
        "Reads a statement into a DRAFT import: every row matched, unmatched, duplicate or "
        "invalid; nothing is paid yet.",
        input="The file.",
    )
    async def create_payment_import(
        self, info: Info, input: CreatePaymentImportInput
    ) -> PaymentImportPayload:
        return _payload(
            await imports.create_payment_import(
                info.context.caller,
                decode_id(input.school_id, "School"),
                input.format,
                input.content,
            )
        )

    @mutation("Assigns an UNMATCHED row to a student; it becomes MATCHED.", input="The row.")
    async def assign_payment_import_line(
        self, info: Info, input: AssignPaymentImportLineInput
    ) -> PaymentImportPayload:
        return _payload(
            await imports.assign_line(
                info.context.caller,
                decode_id(input.payment_import_id, "PaymentImport"),
                input.row_number,
                decode_id(input.student_id, "Student"),
            )
        )

    @mutation(
        "Records the MATCHED rows of a DRAFT import as payments, at once; idempotent.",
        input="The import.",
    )
    async def confirm_payment_import(
        self, info: Info, input: PaymentImportIdInput
    ) -> PaymentImportPayload:
        return _payload(
            await imports.confirm_import(
                info.context.caller, decode_id(input.payment_import_id, "PaymentImport")
            )
        )

    @mutation("Deletes a DRAFT import; a confirmed one stays.", input="The import.")
    async def delete_payment_import(
        self, info: Info, input: PaymentImportIdInput
    ) -> PaymentImportPayload:
        return _payload(
            await imports.delete_import(
                info.context.caller, decode_id(input.payment_import_id, "PaymentImport")
            )
        )
