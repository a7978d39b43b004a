"""Retrying a run: only its failed students are processed again."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller
from domain.billing.confirm import EnqueueChunks
from domain.billing.rows import chunks_with, get_run, lock_run
from domain.errors import DomainError, ErrorCode
from domain.events import run_events
from domain.models import BillingRun, BillingRunItem, ItemStatus, Role, RunStatus


async def retry_billing_run(
    caller: Caller, run_id: int | None, *, dispatch: EnqueueChunks
) -> BillingRun:
    """Re-process only the failed students of a PARTIALLY_COMPLETED or FAILED run."""
    run = await get_run(caller, run_id)
    caller.require(Role.FINANCE, run.school_id)
    retryable = {RunStatus.PARTIALLY_COMPLETED, RunStatus.FAILED}
    if run.status not in retryable:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"Only a PARTIALLY_COMPLETED or FAILED run can be retried; this one is {run.status}.",
        )
    async with in_transaction():
        locked = await lock_run(run.id)
        if locked.status not in retryable:
            raise DomainError(ErrorCode.INVALID_STATE, f"The run is {locked.status} now.")
        chunks = await chunks_with(run.id, ItemStatus.FAILED)
        # Their items go back to PENDING but stay counted as failed until generation settles
        # them again: `progress.processed` never decreases (contract).
        await BillingRunItem.filter(run_id=run.id, status=ItemStatus.FAILED).update(
            status=ItemStatus.PENDING, message=None, processed_at=None
        )
        locked.status = RunStatus.PROCESSING
        locked.completed_at = None
        locked.last_progress_at = datetime.now(UTC)
        await locked.save()
        await audit.record(caller, audit.AuditAction.RETRIED_RUN, locked, school_id=run.school_id)
    await dispatch(run.id, chunks)
    await run_events().publish(run.id)
    return locked
