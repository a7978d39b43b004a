"""The M-Pesa allocation actor: pay the matched student from a recorded payment."""

from __future__ import annotations

import logging

import dramatiq

from domain.money import mpesa
from workers.broker import QUEUE

logger = logging.getLogger("billing.workers")

#: A failed allocation (the database away) is retried from 1 s up to 1 min, 10 times.
ALLOCATION_RETRIES = 10
ALLOCATION_MIN_BACKOFF_MS = 1_000
ALLOCATION_MAX_BACKOFF_MS = 60_000


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=ALLOCATION_RETRIES,
    min_backoff=ALLOCATION_MIN_BACKOFF_MS,
    max_backoff=ALLOCATION_MAX_BACKOFF_MS,
)
async def allocate_mobile_money(transaction_pk: int) -> None:
    """Match and allocate one recorded M-Pesa payment (safe to run twice)."""
    await mpesa.allocate_transaction(transaction_pk)


def enqueue_allocation(transaction_pk: int) -> bool:
    """Send the allocation message; False when the queue is unreachable."""
    try:
        allocate_mobile_money.send(transaction_pk)
    except Exception:
        logger.warning("could not enqueue M-Pesa payment %s", transaction_pk, exc_info=True)
        return False
    return True
