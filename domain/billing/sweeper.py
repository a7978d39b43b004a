"""The sweeper: re-enqueues the pending chunks of runs that stopped making progress."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from domain.billing.generation import final_status
from domain.billing.rows import chunks_with, lock_run
from domain.events import run_events
from domain.models import BillingRun, ItemStatus, RunStatus
from domain.settings import get_settings

logger = logging.getLogger("billing.generation")


async def claim_stalled_chunks(idle_seconds: float | None = None) -> list[tuple[int, int]]:
    """Pending chunks of PROCESSING runs idle for too long; each run is claimed by one sweeper."""
    idle = get_settings().billing_sweep_idle_seconds if idle_seconds is None else idle_seconds
    now = datetime.now(UTC)
    cutoff = now - timedelta(seconds=idle)
    found: list[tuple[int, int]] = []
    candidates = await BillingRun.filter(status=RunStatus.PROCESSING).values(
        "id", "last_progress_at"
    )
    for row in candidates:
        seen = row["last_progress_at"]
        if seen is not None and seen > cutoff:
            continue
        # Claim: only the sweeper whose update matches the value it read re-enqueues the run.
        claimed = await BillingRun.filter(
            id=row["id"], status=RunStatus.PROCESSING, last_progress_at=seen
        ).update(last_progress_at=now)
        if not claimed:
            continue
        chunks = await chunks_with(row["id"], ItemStatus.PENDING)
        found.extend((row["id"], c) for c in chunks)
        if not chunks:
            # Nothing pending but never finished (a crash between commit and status): settle it.
            await _settle(row["id"])
    if found:
        logger.warning("sweeper re-enqueues %s chunks of stalled runs", len(found))
    return found


async def _settle(run_id: int) -> None:
    async with in_transaction():
        run = await lock_run(run_id)
        if run.status == RunStatus.PROCESSING:
            run.status = final_status(run.items_invoiced, run.items_failed)
            run.completed_at = datetime.now(UTC)
            await run.save()
    await run_events().publish(run_id)
