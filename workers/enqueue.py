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
