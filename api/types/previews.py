"""A run's preview as clients see it: totals, warnings, and each student to bill or left out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.common import AfterArg, Connection, FirstArg, Money, linked, money, paginate
from api.types.enums import serve_enum
from api.types.students import Student, load_student
from domain import models
from domain.billing.preview import WarningCode as DomainWarningCode
from domain.billing.preview import warnings as run_warnings
from domain.models.billing import ExclusionReason as DomainExclusionReason
from domain.models.billing import PreviewStatus

if TYPE_CHECKING:
    from api.types.invoices import Invoice

# The domain's enums, exposed under the contract's names (serve_enum registers the class itself).
PreviewLineStatus = PreviewStatus
ExclusionReason = DomainExclusionReason
WarningCode = DomainWarningCode
serve_enum(
    PreviewLineStatus,
    "PreviewLineStatus",
    "Whether the preview bills a student.",
    {"TO_BILL": "Confirming bills this student.", "EXCLUDED": "Left out; see the reason."},
)
serve_enum(
    ExclusionReason,
    "ExclusionReason",
    "Why a student in scope is not billed (in this order of precedence).",
    {
        "ALREADY_INVOICED": "An invoice for this fee structure and term exists and is not cancelled.",
        "INACTIVE": "The student's status is not ACTIVE.",
        "MANUAL_OVERRIDE": "Left out by hand in previewBillingRun.",
    },
)
serve_enum(
    WarningCode,
    "WarningCode",
    "Things to check before confirming.",
    {
        "DUE_DATE_TOO_SOON": "Due date is less than 14 days after the invoice date.",
        "NOTHING_TO_BILL": "No student would be billed.",
    },
)


@strawberry.type(description="A check to make before confirming.")
class BillingRunWarning:
    code: WarningCode = strawberry.field(description="What kind of warning.")
    message: str = strawberry.field(description="What to look at, for a person.")


@strawberry.type(description="One student of a preview.")
class PreviewLine:
    status: PreviewLineStatus = strawberry.field(description="TO_BILL or EXCLUDED.")
    exclusion_reason: ExclusionReason | None = strawberry.field(description="Why EXCLUDED.")
    model: strawberry.Private[models.PreviewLine]
    currency: strawberry.Private[str]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> Student:
        return await load_student(info, self.model.student_id)

    @strawberry.field(
        description="What the student's invoice would total (also shown for excluded students)."
    )
    def amount(self) -> Money:
        return money(self.model.amount, self.currency)

    @strawberry.field(description="The invoice that makes this student ALREADY_INVOICED.")
    async def existing_invoice(
        self, info: Info
    ) -> Annotated[Invoice, strawberry.lazy("api.types.invoices")] | None:
        from api.types.invoices import Invoice

        return await linked(info, models.Invoice, Invoice, self.model.existing_invoice_id)


@strawberry.type(
    description="The latest preview of a run: who is billed, for how much, who is left out."
)
class BillingRunPreview:
    generated_at: datetime = strawberry.field(description="When the preview was computed.")
    invoice_count: int = strawberry.field(description="Students the run would bill.")
    total_amount: Money = strawberry.field(description="What they would be billed in all.")
    excluded_count: int = strawberry.field(description="Students in scope left out.")
    already_invoiced_count: int = strawberry.field(description="Left out: already invoiced.")
    inactive_count: int = strawberry.field(description="Left out: not ACTIVE.")
    manually_excluded_count: int = strawberry.field(description="Left out by hand.")
    warnings: list[BillingRunWarning] = strawberry.field(
        description="Checks to make before confirming."
    )
    model: strawberry.Private[models.BillingRun]
    currency: strawberry.Private[str]

    @classmethod
    def of(cls, m: models.BillingRun, currency: str) -> BillingRunPreview:
        """The preview a run holds (once previewBillingRun has run)."""
        assert m.preview_generated_at is not None
        return cls(
            generated_at=m.preview_generated_at,
            invoice_count=m.preview_invoice_count,
            total_amount=money(m.preview_total, currency),
            excluded_count=m.preview_already_invoiced + m.preview_inactive + m.preview_manual,
            already_invoiced_count=m.preview_already_invoiced,
            inactive_count=m.preview_inactive,
            manually_excluded_count=m.preview_manual,
            warnings=[BillingRunWarning(code=w.code, message=w.message) for w in run_warnings(m)],
            model=m,
            currency=currency,
        )

    @strawberry.field(
        description="The students of the preview, by name; filter by status or reason."
    )
    async def lines(
        self,
        status: Annotated[
            PreviewLineStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        exclusion_reason: Annotated[
            ExclusionReason | None, strawberry.argument(description="Only this reason.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[PreviewLine]:
        qs = models.PreviewLine.filter(run_id=self.model.id)
        if status is not None:
            qs = qs.filter(status=status)
        if exclusion_reason is not None:
            qs = qs.filter(exclusion_reason=exclusion_reason)
        currency = self.currency
        return await paginate(
            qs.order_by("position"),
            first,
            after,
            lambda r: PreviewLine(
                status=r.status, exclusion_reason=r.exclusion_reason, model=r, currency=currency
            ),
        )
