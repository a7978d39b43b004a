"""Root fields for billing runs: the `billingRuns` list and the `billingRunUpdated` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.context import Context
from api.errors import domain_error_to_graphql
from api.ids import decode_id, decode_optional
from api.types.common import AfterArg, Connection, FirstArg, paginate
from api.types.runs import BillingRun, BillingRunStatus
from domain.billing.runs import find_runs, get_run
from domain.billing.watch import watch_run
from domain.errors import DomainError


@strawberry.input(description="Narrows a list of billing runs.")
class BillingRunFilter:
    statuses: list[BillingRunStatus] | None = strawberry.field(
        default=None, description="Only these statuses."
    )
    term_id: strawberry.ID | None = strawberry.field(default=None, description="Only this term.")
    fee_structure_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this fee structure."
    )


@strawberry.type
class RunQuery:
    @strawberry.field(description="A school's billing runs, newest first.")
    async def billing_runs(
        self,
        info: strawberry.Info[Context, None],
        school_id: Annotated[strawberry.ID, strawberry.argument(description="The school.")],
        filter: Annotated[
            BillingRunFilter | None, strawberry.argument(description="Narrows the list.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[BillingRun]:
        f = filter or BillingRunFilter()
        try:
            qs = await find_runs(
                info.context.caller,
                decode_id(school_id, "School"),
                statuses=list(f.statuses or []),
                # An id given but not ours matches nothing (pk 0 never exists).
                term_id=None if f.term_id is None else decode_optional(f.term_id, "Term") or 0,
                fee_structure_id=None
                if f.fee_structure_id is None
                else decode_optional(f.fee_structure_id, "FeeStructure") or 0,
            )
        except DomainError as e:
            raise domain_error_to_graphql(e) from e
        return await paginate(qs, first, after, BillingRun.of)


@strawberry.type
class RunSubscription:
    @strawberry.subscription(
        description="The run now, then again at every change of status or progress; completes once "
        "the run is COMPLETED, PARTIALLY_COMPLETED or FAILED."
    )
    async def billing_run_updated(
        self,
        info: strawberry.Info[Context, None],
        billing_run_id: Annotated[
            strawberry.ID, strawberry.argument(description="The run to follow.")
        ],
    ) -> AsyncGenerator[BillingRun, None]:
        try:
            run = await get_run(info.context.caller, decode_id(billing_run_id, "BillingRun"))
        except DomainError as e:
            raise domain_error_to_graphql(e, info) from e
        async for current in watch_run(run.id):
            yield BillingRun.of(current)
