"""A run's preview as clients see it: totals, warnings, and each student to bill or left out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from weakref import WeakKeyDictionary

import strawberry
from strawberry.dataloader import DataLoader

from api.context import Info, Loaders
from api.types.common import (
    AfterArg,
    Connection,
    FirstArg,
    Money,
    linked,
    linked_required,
    money,
    paginate,
)
from api.types.enums import serve_enum
from api.types.fees import FeeItem
from api.types.pricing import Discount, fee_item_of
from api.types.students import Student, load_student
from domain import models
from domain.billing.preview import WarningCode as DomainWarningCode
from domain.billing.preview import preview_totals
from domain.billing.preview import warnings as run_warnings
from domain.models.billing import ExclusionReason as DomainExclusionReason
from domain.models.billing import PreviewStatus

if TYPE_CHECKING:
    from api.types.invoices import Invoice, InvoiceLine

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
        "NO_CHARGES": "Nothing applies to the student: every item is 0 for their grade and "
        "category, or OPTIONAL and not taken.",
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


_CHARGE_LOADERS: WeakKeyDictionary[Loaders, dict[int, DataLoader[int, list[Any]]]] = (
    WeakKeyDictionary()
)


def _preview_charges(info: Info, run_pk: int) -> DataLoader[int, list[Any]]:
    """Per request and run: the preview's lines of a page of students in one query, by the
    student they are priced as."""
    by_run = _CHARGE_LOADERS.setdefault(info.context.loaders, {})
    if run_pk not in by_run:

        async def load(keys: Sequence[int]) -> list[list[Any]]:
            rows = await models.PreviewCharge.filter(
                run_id=run_pk, student_id__in=list(set(keys))
            ).order_by("student_id", "position")
            groups: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                groups[row.student_id].append(row)
            return [groups.get(k, []) for k in keys]

        by_run[run_pk] = DataLoader(load_fn=load)
    return by_run[run_pk]


@strawberry.type(description="Per fee item: how many invoices carry it and for how much.")
class PreviewItemTotal:
    student_count: int = strawberry.field(description="Billed students charged the item.")
    amount: Money = strawberry.field(description="What the item bills in all.")
    pk: strawberry.Private[int]

    @strawberry.field(description="The fee item.")
    async def fee_item(self, info: Info) -> FeeItem:
        item = await fee_item_of(info, self.pk)
        assert item is not None
        return item


@strawberry.type(description="Per discount: how many students get it and how much it takes off.")
class PreviewDiscountTotal:
    student_count: int = strawberry.field(description="Billed students given the discount.")
    amount: Money = strawberry.field(description="What it takes off in all (positive).")
    pk: strawberry.Private[int]

    @strawberry.field(description="The discount.")
    async def discount(self, info: Info) -> Discount:
        return await linked_required(info, models.Discount, Discount, self.pk)


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

    @strawberry.field(description="Charges before discounts.")
    def gross_amount(self) -> Money:
        return money(self.model.gross_amount, self.currency)

    @strawberry.field(description="What the student's discounts take off (a positive amount).")
    def discount_amount(self) -> Money:
        return money(self.model.discount_amount, self.currency)

    @strawberry.field(
        description="The lines the student's invoice would have: charges, then discounts "
        "(negative)."
    )
    async def charges(
        self, info: Info
    ) -> list[Annotated[InvoiceLine, strawberry.lazy("api.types.invoices")]]:
        from api.types.invoices import InvoiceLine

        # Students priced alike share one set of lines: those of the student priced as.
        priced_as = self.model.priced_as or self.model.student_id
        rows = await _preview_charges(info, self.model.run_id).load(priced_as)
        return [InvoiceLine.of(r, self.currency) for r in rows]

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
    no_charges_count: int = strawberry.field(description="Left out: nothing to charge them.")
    gross_amount: Money = strawberry.field(
        description="Gross of the invoices to create; totalAmount is this less discountAmount."
    )
    discount_amount: Money = strawberry.field(
        description="What discounts take off the invoices to create."
    )
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
            excluded_count=(
                m.preview_already_invoiced
                + m.preview_inactive
                + m.preview_manual
                + m.preview_no_charges
            ),
            already_invoiced_count=m.preview_already_invoiced,
            inactive_count=m.preview_inactive,
            manually_excluded_count=m.preview_manual,
            no_charges_count=m.preview_no_charges,
            gross_amount=money(m.preview_gross, currency),
            discount_amount=money(m.preview_discount, currency),
            warnings=[BillingRunWarning(code=w.code, message=w.message) for w in run_warnings(m)],
            model=m,
            currency=currency,
        )

    @strawberry.field(description="Per fee item: how many invoices carry it and for how much.")
    async def item_totals(self) -> list[PreviewItemTotal]:
        rows = await preview_totals(self.model.id, models.LineKind.CHARGE)
        return [
            PreviewItemTotal(
                pk=r.pk, student_count=r.students, amount=money(r.amount, self.currency)
            )
            for r in rows
        ]

    @strawberry.field(
        description="Per discount: how many students get it and how much it takes off."
    )
    async def discount_totals(self) -> list[PreviewDiscountTotal]:
        rows = await preview_totals(self.model.id, models.LineKind.DISCOUNT)
        return [
            PreviewDiscountTotal(
                pk=r.pk, student_count=r.students, amount=money(r.amount, self.currency)
            )
            for r in rows
        ]

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
