"""The notice actor: deliver one invoice's pending notices (e-mail, SMS) to the guardian."""

from __future__ import annotations

import logging

import dramatiq

from domain import notifications, reminders, run_notices
from workers.broker import QUEUE

logger = logging.getLogger("billing.workers")

#: A failed channel is retried with exponential backoff from 10 s up to 10 min, 10 times
#: (about an hour in all); after that it stays FAILED until the invoice is sent again.
NOTICE_RETRIES = 10
NOTICE_MIN_BACKOFF_MS = 10_000
NOTICE_MAX_BACKOFF_MS = 600_000


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=NOTICE_RETRIES,
    min_backoff=NOTICE_MIN_BACKOFF_MS,
    max_backoff=NOTICE_MAX_BACKOFF_MS,
)
async def send_invoice_notice(invoice_id: int) -> None:
    """Send the invoice's pending notices, each channel at most once (safe to run twice)."""
    await notifications.deliver_invoice_notices(invoice_id)


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=NOTICE_RETRIES,
    min_backoff=NOTICE_MIN_BACKOFF_MS,
    max_backoff=NOTICE_MAX_BACKOFF_MS,
    time_limit=24 * 3_600_000,
)
async def send_run_notices(run_id: int) -> None:
    """Send a run's live invoices not sent yet (sendBillingRunInvoices); safe to run twice."""
    await run_notices.deliver_run_notices(run_id)


@dramatiq.actor(queue_name=QUEUE, max_retries=3, min_backoff=10_000, time_limit=3_600_000)
async def send_reminders() -> None:
    """The daily reminder job (sent every sweep interval by every process; a school's day is
    done once, by whichever worker claims it first)."""
    await reminders.run_reminders()


def enqueue_run_notices(run_id: int) -> None:
    """One message for the whole run; the worker walks its invoices batch by batch."""
    try:
        send_run_notices.send(run_id)
    except Exception:
        logger.warning(
            "could not enqueue the sending of run %s; asking again resumes it",
            run_id,
            exc_info=True,
        )


def enqueue_notices(invoice_ids: list[int]) -> None:
    """One message per invoice; a failure leaves the notices QUEUED for the next send."""
    try:
        for invoice_id in invoice_ids:
            send_invoice_notice.send(invoice_id)
    except Exception:
        logger.warning(
            "could not enqueue the notices of %s invoices; they stay QUEUED",
            len(invoice_ids),
            exc_info=True,
        )
