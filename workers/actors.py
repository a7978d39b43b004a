"""Actors: thin, idempotent, taking ids only. The database is the source of truth."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from domain.billing import generation, sweeper
from observability.tracing import chunk_span
from workers.broker import QUEUE

logger = logging.getLogger("billing.workers")


@dramatiq.actor(queue_name=QUEUE, max_retries=25, min_backoff=250, max_backoff=30_000)
async def generate_chunk(run_id: int, chunk: int) -> None:
    """Invoice one chunk of a confirmed run (safe to run twice)."""
    with chunk_span(run_id, chunk):
        await generation.generate_chunk(run_id, chunk)


@dramatiq.actor(queue_name=QUEUE, max_retries=3, min_backoff=1000)
async def sweep() -> None:
    """Re-enqueue the pending chunks of runs that made no progress for a while."""
    for run_id, chunk in await sweeper.claim_stalled_chunks():
        generate_chunk.send(run_id, chunk)


ALL: list[dramatiq.Actor[Any, Any]] = [generate_chunk, sweep]


def enqueue_chunks(run_id: int, chunks: list[int]) -> None:
    """Send one message per chunk; a failure leaves the run to the sweeper."""
    try:
        for chunk in chunks:
            generate_chunk.send(run_id, chunk)
    except Exception:
        logger.warning(
            "could not enqueue run %s; the sweeper will pick it up", run_id, exc_info=True
        )


# The invoice notice actor lives in its own module; imported here so that ALL lists it.
from workers.notify import send_invoice_notice, send_reminders, send_run_notices  # noqa: E402

ALL.extend([send_invoice_notice, send_run_notices, send_reminders])

from workers.mpesa import allocate_mobile_money  # noqa: E402

ALL.append(allocate_mobile_money)
