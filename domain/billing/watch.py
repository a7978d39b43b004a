"""Following a run as it changes: the stream behind the billingRunUpdated subscription."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from domain.events import run_events
from domain.models import BillingRun
from domain.models.billing import FINISHED_STATUSES
from domain.settings import get_settings

#: Seconds between re-reads when no event arrives (a lost event or a dead Redis).
POLL_SECONDS = 2.0


def _fingerprint(run: BillingRun) -> tuple[object, ...]:
    return (
        run.status,
        run.items_invoiced,
        run.items_skipped,
        run.items_failed,
        run.items_total,
        run.preview_generated_at,
        run.name,
    )


async def watch_run(
    run_id: int, *, poll_seconds: float = POLL_SECONDS
) -> AsyncIterator[BillingRun]:
    """The run as stored, then again at each change (at most about 10 a second), until finished."""
    min_interval = get_settings().billing_event_min_interval_seconds
    async with run_events().listen(run_id) as changes:
        # Listening has started when `listen` returns: no change can fall before this read.
        run = await BillingRun.get_or_none(pk=run_id)
        if run is None:
            return
        yield run
        last = _fingerprint(run)
        last_yield = time.monotonic()
        while run.status not in FINISHED_STATUSES:
            await changes.wait(poll_seconds)
            wait = min_interval - (time.monotonic() - last_yield)
            if wait > 0:
                await asyncio.sleep(wait)  # coalesce bursts of chunk events
            await changes.drain()
            fresh = await BillingRun.get_or_none(pk=run_id)
            if fresh is None:
                return
            run = fresh
            if _fingerprint(run) != last:
                last = _fingerprint(run)
                last_yield = time.monotonic()
                yield run
