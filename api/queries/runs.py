"""Root fields for billing runs: the `billingRuns` list and the `billingRunUpdated` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.context import Context
from api.ids import decode_id, decode_ref
from api.types.common import AfterArg, Connection, FirstArg, paginate
from api.types.runs import BillingRun, BillingRunStatus
from domain.billing.runs import find_runs, get_run
from domain.billing.watch import watch_run


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
        qs = await find_runs(
            info.context.caller,
            decode_id(school_id, "School"),
            statuses=list(f.statuses or []),
            term_id=decode_ref(f.term_id, "Term"),
            fee_structure_id=decode_ref(f.fee_structure_id, "FeeStructure"),
        )
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
        run = await get_run(info.context.caller, decode_id(billing_run_id, "BillingRun"))
        async for current in watch_run(run.id):
            yield BillingRun.of(current)
