"""The API's one door into the workers: enqueue work after the domain has committed.

Sending to Redis blocks, so each send runs off the event loop. The actors are imported
when first used, so that importing the API does not set up a broker.
"""

from __future__ import annotations

import asyncio


async def dispatch_chunks(run_id: int, chunks: list[int]) -> None:
    """Enqueue the generation of a confirmed (or retried) run, one message per chunk."""
    from workers.actors import enqueue_chunks

    await asyncio.to_thread(enqueue_chunks, run_id, chunks)


async def dispatch_notices(invoice_ids: list[int]) -> None:
    """Enqueue one guardian notice message per invoice."""
    from workers.notify import enqueue_notices

    await asyncio.to_thread(enqueue_notices, invoice_ids)


async def dispatch_run_notices(run_id: int) -> None:
    """Enqueue the sending of a run's invoices (one message for the run)."""
    from workers.notify import enqueue_run_notices

    await asyncio.to_thread(enqueue_run_notices, run_id)


async def dispatch_allocation(transaction_pk: int) -> bool:
    """Enqueue the allocation of a recorded M-Pesa payment; False when the queue is down."""
    from workers.mpesa import enqueue_allocation

    return await asyncio.to_thread(enqueue_allocation, transaction_pk)
