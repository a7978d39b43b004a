"""Billing-run mutations: create, update, preview, confirm, delete, retry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ids, decode_ref, encode_id
from api.mutations.base import changed, changed_id, mutation, outcome, payload
from api.types.common import optional, unset
from api.types.deliveries import DeliveryChannel
from api.types.runs import BillingRun, BillingScopeKind
from domain import run_notices
from domain.billing import confirm, preview, retry, runs
from domain.billing.scope import ScopeSpec
from domain.models import ScopeKind
from workers.enqueue import dispatch_chunks as dispatch
from workers.enqueue import dispatch_run_notices


@strawberry.input(description="Which students a run covers.")
class BillingScopeInput:
    kind: BillingScopeKind = strawberry.field(
        description="All, a grade, a stream, a class or hand-picked."
    )
    grade_id: strawberry.ID | None = optional("Required for GRADE.")
    stream_id: strawberry.ID | None = optional("Required for STREAM.")
    school_class_id: strawberry.ID | None = optional("Required for SCHOOL_CLASS.")
    student_ids: list[strawberry.ID] | None = optional("Required and non-empty for MANUAL.")

    def spec(self) -> ScopeSpec:
        return ScopeSpec(
            kind=ScopeKind(self.kind),
            grade_id=decode_ref(self.grade_id, "Grade"),
            stream_id=decode_ref(self.stream_id, "Stream"),
            class_id=decode_ref(self.school_class_id, "SchoolClass"),
            student_ids=decode_ids(self.student_ids, "Student"),
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
    name: str | None = optional("Generated from term, fee structure and scope when left out.")
    reference: str | None = optional("The office's own reference.")


@strawberry.input(description="Changes to a DRAFT run; fields left out stay as they are.")
class UpdateBillingRunInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    term_id: strawberry.ID | None = unset("New term.")
    fee_structure_id: strawberry.ID | None = unset("New fee structure.")
    scope: BillingScopeInput | None = unset("New scope.")
    invoice_date: date | None = unset("New invoice date.")
    due_date: date | None = unset("New due date.")
    name: str | None = unset("New name.")
    reference: str | None = unset("New reference; null clears it.")


@strawberry.input(description="Which run to preview, and who to leave out by hand.")
class PreviewBillingRunInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    exclude_student_ids: list[strawberry.ID] | None = optional(
        "Students to leave out by hand; replaces the set of an earlier preview."
    )


@strawberry.input(description="Which run to confirm, with what the client saw in its preview.")
class ConfirmBillingRunInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    expected_invoice_count: int | None = optional(
        "When given, confirm fails with PREVIEW_STALE unless a fresh preview bills "
        "exactly this many students..."
    )
    expected_total_amount: Decimal | None = optional("...for exactly this total.")


@strawberry.input(description="A run, by id.")
class BillingRunIdInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")


@strawberry.input(description="A finished run whose live invoices go to the guardians.")
class SendBillingRunInvoicesInput:
    billing_run_id: strawberry.ID = strawberry.field(description="The run.")
    channels: list[DeliveryChannel] | None = optional(
        "Default: every channel the school has configured."
    )


@payload(description="The run changed, or why not.")
class BillingRunPayload:
    billing_run: BillingRun | None = outcome("The run as it is now; null on errors.")


@payload(description="The run deleted, or why not.")
class DeleteBillingRunPayload:
    deleted_billing_run_id: strawberry.ID | None = outcome("The id it had.")


def _run_id(global_id: str) -> int | None:
    return decode_id(global_id, "BillingRun")


@strawberry.type
class RunMutation:
    @mutation("Creates a DRAFT run; nothing is billed yet.", input="The run to create.")
    async def create_billing_run(
        self, info: Info, input: CreateBillingRunInput
    ) -> BillingRunPayload:
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
        return BillingRunPayload(billing_run=BillingRun.of(run))

    @mutation("Changes a DRAFT run; its preview is dropped.", input="The run and its changes.")
    async def update_billing_run(
        self, info: Info, input: UpdateBillingRunInput
    ) -> BillingRunPayload:
        scope = changed(input.scope)
        changes = runs.RunChanges(
            term_id=changed_id(input.term_id, "Term", decode_ref),
            fee_structure_id=changed_id(input.fee_structure_id, "FeeStructure", decode_ref),
            scope=scope.spec() if isinstance(scope, BillingScopeInput) else scope,
            invoice_date=changed(input.invoice_date),
            due_date=changed(input.due_date),
            name=changed(input.name),
            reference=changed(input.reference),
        )
        run = await runs.update_billing_run(
            info.context.caller, _run_id(input.billing_run_id), changes
        )
        return BillingRunPayload(billing_run=BillingRun.of(run))

    @mutation("Computes and stores the preview of a DRAFT run.", input="The run to preview.")
    async def preview_billing_run(
        self, info: Info, input: PreviewBillingRunInput
    ) -> BillingRunPayload:
        run = await preview.preview_billing_run(
            info.context.caller,
            _run_id(input.billing_run_id),
            decode_ids(input.exclude_student_ids, "Student"),
        )
        return BillingRunPayload(billing_run=BillingRun.of(run))

    @mutation(
        "Starts invoice generation (DRAFT -> PROCESSING). Idempotent: confirming a run that is already confirmed returns it unchanged, without error, and never generates twice.",
        input="The run to confirm.",
    )
    async def confirm_billing_run(
        self, info: Info, input: ConfirmBillingRunInput
    ) -> BillingRunPayload:
        run = await confirm.confirm_billing_run(
            info.context.caller,
            _run_id(input.billing_run_id),
            dispatch=dispatch,
            expected_invoice_count=input.expected_invoice_count,
            expected_total=input.expected_total_amount,
        )
        return BillingRunPayload(billing_run=BillingRun.of(run))

    @mutation(
        "Deletes a DRAFT run. A confirmed run cannot be deleted: cancel its invoices instead.",
        input="The run.",
    )
    async def delete_billing_run(
        self, info: Info, input: BillingRunIdInput
    ) -> DeleteBillingRunPayload:
        pk = await runs.delete_billing_run(info.context.caller, _run_id(input.billing_run_id))
        return DeleteBillingRunPayload(
            deleted_billing_run_id=strawberry.ID(encode_id("BillingRun", pk))
        )

    @mutation(
        "Retries the failed students of a PARTIALLY_COMPLETED or FAILED run.", input="The run."
    )
    async def retry_billing_run(self, info: Info, input: BillingRunIdInput) -> BillingRunPayload:
        run = await retry.retry_billing_run(
            info.context.caller, _run_id(input.billing_run_id), dispatch=dispatch
        )
        return BillingRunPayload(billing_run=BillingRun.of(run))

    @mutation(
        "Sends every live invoice of a finished run to the guardians, in the background; "
        "progress in BillingRun.notices.",
        input="The run and the channels.",
    )
    async def send_billing_run_invoices(
        self, info: Info, input: SendBillingRunInvoicesInput
    ) -> BillingRunPayload:
        run = await run_notices.send_run_invoices(
            info.context.caller,
            _run_id(input.billing_run_id),
            None if input.channels is None else [DeliveryChannel(c) for c in input.channels],
            dispatch=dispatch_run_notices,
        )
        return BillingRunPayload(billing_run=BillingRun.of(run))
