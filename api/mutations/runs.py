"""Billing-run mutations: create, update, preview, confirm, delete, retry."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Context
from api.errors import UserError, user_errors
from api.ids import decode_id, decode_optional, encode_id
from api.types.runs import BillingRun, BillingScopeKind
from domain.billing import confirm, preview, retry, runs
from domain.billing.scope import ScopeSpec
from domain.errors import DomainError
from domain.models import ScopeKind


async def dispatch(run_id: int, chunks: list[int]) -> None:
    """Enqueue generation after commit (a blocking send, so off the event loop)."""
    from workers.actors import enqueue_chunks

    await asyncio.to_thread(enqueue_chunks, run_id, chunks)


@strawberry.input(description="Which students a run covers.")
class BillingScopeInput:
    kind: BillingScopeKind = strawberry.field(
        description="All, a grade, a stream, a class or hand-picked."
    )
    grade_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for GRADE."
    )
    stream_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for STREAM."
    )
    school_class_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for SCHOOL_CLASS."
    )
    student_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Required and non-empty for MANUAL."
    )

    def spec(self) -> ScopeSpec:
        return ScopeSpec(
            kind=ScopeKind(self.kind),
            grade_id=decode_optional(self.grade_id, "Grade"),
            stream_id=decode_optional(self.stream_id, "Stream"),
            class_id=decode_optional(self.school_class_id, "SchoolClass"),
            student_ids=[decode_id(s, "Student") for s in self.student_ids]
            if self.student_ids is not None
            else None,
        )


@strawberry.input(description="A new DRAFT run.")
class CreateBillingRunInput:
    school_id: strawberry.ID = strawberry.field(description="The school billing.")
    term_id: strawberry.ID = strawberry.field(description="The term billed for.")
    fee_structure_id: strawberry.ID = strawberry.field(description="The fee structure billed.")
    scope: BillingScopeInput = strawberry.field(description="Which students.")
    invoice_date: date = strawberry.field(description="Date printed on the invoices.")
    due_date: date = strawberry.field(
        description="When the invoices fall due (not before the invoice date)."
    )
    name: str | None = strawberry.field(
        default=None, description="Generated from term, fee structure and scope when left out."
    )
    reference: str | None = strawberry.field(
        default=None, description="The office's own reference."
    )


@strawberry.input(description="Changes to a DRAFT run; fields left out stay as they are.")
class UpdateBillingRunInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    term_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New term."
    )
    fee_structure_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New fee structure."
    )
    scope: BillingScopeInput | None = strawberry.field(
        default=strawberry.UNSET, description="New scope."
    )
    invoice_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="New invoice date."
    )
    due_date: date | None = strawberry.field(default=strawberry.UNSET, description="New due date.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    reference: str | None = strawberry.field(
        default=strawberry.UNSET, description="New reference; null clears it."
    )


@strawberry.input(description="Which run to preview, and who to leave out by hand.")
class PreviewBillingRunInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    exclude_student_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Students to leave out by hand; replaces the set of an earlier preview.",
    )


@strawberry.input(description="Which run to confirm, with what the client saw in its preview.")
class ConfirmBillingRunInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    expected_invoice_count: int | None = strawberry.field(
        default=None,
        description="When given, confirm fails with PREVIEW_STALE unless a fresh preview bills "
        "exactly this many students...",
    )
    expected_total_amount: Decimal | None = strawberry.field(
        default=None, description="...for exactly this total."
    )


@strawberry.input(description="A run, by id.")
class BillingRunIdInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")


@strawberry.type(description="The run changed, or why not.")
class BillingRunPayload:
    billing_run: BillingRun | None = strawberry.field(
        description="The run as it is now; null on errors."
    )
    errors: list[UserError] = strawberry.field(description="What the user must fix.")


@strawberry.type(description="The run deleted, or why not.")
class DeleteBillingRunPayload:
    deleted_billing_run_id: strawberry.ID | None = strawberry.field(description="The id it had.")
    errors: list[UserError] = strawberry.field(description="What the user must fix.")


def _run_id(global_id: str) -> int | None:
    return decode_id(global_id, "BillingRun")


def _given(value: object) -> bool:
    return value is not strawberry.UNSET


@strawberry.type
class RunMutation:
    @strawberry.mutation(description="Creates a DRAFT run; nothing is billed yet.")
    async def create_billing_run(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            CreateBillingRunInput, strawberry.argument(description="The run to create.")
        ],
    ) -> BillingRunPayload:
        try:
            run = await runs.create_billing_run(
                info.context.caller,
                school_id=decode_id(input.school_id, "School"),
                term_id=decode_id(input.term_id, "Term"),
                fee_structure_id=decode_id(input.fee_structure_id, "FeeStructure"),
                scope=input.scope.spec(),
                invoice_date=input.invoice_date,
                due_date=input.due_date,
                name=input.name,
                reference=input.reference,
            )
        except DomainError as e:
            return BillingRunPayload(billing_run=None, errors=user_errors(e))
        return BillingRunPayload(billing_run=BillingRun.of(run), errors=[])

    @strawberry.mutation(description="Changes a DRAFT run; its preview is dropped.")
    async def update_billing_run(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            UpdateBillingRunInput, strawberry.argument(description="The run and its changes.")
        ],
    ) -> BillingRunPayload:
        fields = {
            "termId": input.term_id,
            "feeStructureId": input.fee_structure_id,
            "scope": input.scope,
            "invoiceDate": input.invoice_date,
            "dueDate": input.due_date,
            "name": input.name,
            "reference": input.reference,
        }
        changes = runs.RunChanges(
            term_id=decode_id(input.term_id, "Term") if input.term_id else None,
            fee_structure_id=decode_id(input.fee_structure_id, "FeeStructure")
            if input.fee_structure_id
            else None,
            scope=input.scope.spec() if input.scope else None,
            invoice_date=input.invoice_date or None,
            due_date=input.due_date or None,
            name=input.name or None,
            reference=input.reference if _given(input.reference) else None,
            given={k.lower() for k, v in fields.items() if _given(v)},
        )
        try:
            run = await runs.update_billing_run(
                info.context.caller, _run_id(input.billing_run_id), changes
            )
        except DomainError as e:
            return BillingRunPayload(billing_run=None, errors=user_errors(e))
        return BillingRunPayload(billing_run=BillingRun.of(run), errors=[])

    @strawberry.mutation(description="Computes and stores the preview of a DRAFT run.")
    async def preview_billing_run(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            PreviewBillingRunInput, strawberry.argument(description="The run to preview.")
        ],
    ) -> BillingRunPayload:
        excluded = (
            [decode_id(s, "Student") for s in input.exclude_student_ids]
            if input.exclude_student_ids is not None
            else None
        )
        try:
            run = await preview.preview_billing_run(
                info.context.caller, _run_id(input.billing_run_id), excluded
            )
        except DomainError as e:
            return BillingRunPayload(billing_run=None, errors=user_errors(e))
        return BillingRunPayload(billing_run=BillingRun.of(run), errors=[])

    @strawberry.mutation(
        description="Starts invoice generation (DRAFT -> PROCESSING). Idempotent: confirming a run "
        "that is already confirmed returns it unchanged, without error, and never generates twice."
    )
    async def confirm_billing_run(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            ConfirmBillingRunInput, strawberry.argument(description="The run to confirm.")
        ],
    ) -> BillingRunPayload:
        try:
            run = await confirm.confirm_billing_run(
                info.context.caller,
                _run_id(input.billing_run_id),
                dispatch=dispatch,
                expected_invoice_count=input.expected_invoice_count,
                expected_total=input.expected_total_amount,
            )
        except DomainError as e:
            return BillingRunPayload(billing_run=None, errors=user_errors(e))
        return BillingRunPayload(billing_run=BillingRun.of(run), errors=[])

    @strawberry.mutation(
        description="Deletes a DRAFT run. A confirmed run cannot be deleted: cancel its invoices instead."
    )
    async def delete_billing_run(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[BillingRunIdInput, strawberry.argument(description="The run.")],
    ) -> DeleteBillingRunPayload:
        try:
            pk = await runs.delete_billing_run(info.context.caller, _run_id(input.billing_run_id))
        except DomainError as e:
            return DeleteBillingRunPayload(deleted_billing_run_id=None, errors=user_errors(e))
        return DeleteBillingRunPayload(
            deleted_billing_run_id=strawberry.ID(encode_id("BillingRun", pk)), errors=[]
        )

    @strawberry.mutation(
        description="Retries the failed students of a PARTIALLY_COMPLETED or FAILED run."
    )
    async def retry_billing_run(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[BillingRunIdInput, strawberry.argument(description="The run.")],
    ) -> BillingRunPayload:
        try:
            run = await retry.retry_billing_run(
                info.context.caller, _run_id(input.billing_run_id), dispatch=dispatch
            )
        except DomainError as e:
            return BillingRunPayload(billing_run=None, errors=user_errors(e))
        return BillingRunPayload(billing_run=BillingRun.of(run), errors=[])
