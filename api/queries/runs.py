"""Root fields for billing runs: the `billingRuns` list and the `billingRunUpdated` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import subscription
from api.ids import decode_id, decode_ref
from api.types.common import (
    AfterArg,
    Connection,
    FilterArg,
    FirstArg,
    SchoolArg,
    optional,
    paginate,
)
from api.types.runs import BillingRun, BillingRunStatus
from domain.billing.runs import find_runs, get_run
from domain.billing.watch import watch_run


@strawberry.input(description="Narrows a list of billing runs.")
class BillingRunFilter:
    statuses: list[BillingRunStatus] | None = optional("Only these statuses.")
    term_id: strawberry.ID | None = optional("Only this term.")
    fee_structure_id: strawberry.ID | None = optional("Only this fee structure.")


@strawberry.type
class RunQuery:
    @strawberry.field(description="A school's billing runs, newest first.")
    async def billing_runs(
        self,
        info: Info,
        school_id: SchoolArg,
        filter: FilterArg[BillingRunFilter] = None,
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
    @subscription(
        "The run now, then again at every change of status or progress; completes once "
        "the run is COMPLETED, PARTIALLY_COMPLETED or FAILED."
    )
    async def billing_run_updated(
        self,
        info: Info,
        billing_run_id: Annotated[
            strawberry.ID, strawberry.argument(description="The run to follow.")
        ],
    ) -> AsyncGenerator[BillingRun, None]:
        run = await get_run(info.context.caller, decode_id(billing_run_id, "BillingRun"))
        async for current in watch_run(run.id):
            yield BillingRun.of(current)
