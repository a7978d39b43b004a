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
from domain.access import get_school
from domain.billing.runs import get_run
from domain.billing.watch import watch_run
from domain.errors import DomainError
from domain.models import BillingRun as RunModel


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
        try:
            school = await get_school(info.context.caller, decode_id(school_id, "School"))
        except DomainError as e:
            raise domain_error_to_graphql(e) from e
        qs = RunModel.filter(school_id=school.id)
        if filter is not None:
            if filter.statuses:
                qs = qs.filter(status__in=list(filter.statuses))
            if filter.term_id is not None:
                qs = qs.filter(term_id=decode_optional(filter.term_id, "Term") or 0)
            if filter.fee_structure_id is not None:
                qs = qs.filter(
                    fee_structure_id=decode_optional(filter.fee_structure_id, "FeeStructure") or 0
                )
        return await paginate(qs.order_by("-created_at", "-id"), first, after, BillingRun.of)


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
            raise domain_error_to_graphql(e) from e
        async for current in watch_run(run.id):
            yield BillingRun.of(current)
