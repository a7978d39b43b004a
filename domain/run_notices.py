"""Sending every live invoice of a finished run (sendBillingRunInvoices), in the background.

The mutation records what was asked (`RunNotices`) and enqueues one message; a worker then
walks the run's live invoices in id order, batch by batch: it marks them SENT, writes their
delivery rows (the claim: a SENT row is never sent again) and delivers each, keeping to
the configured rate per channel (domain/send_rate.py). A worker killed midway leaves the message unacknowledged:
the next worker starts the walk again and finds the delivered rows already SENT. After each
batch the progress is recounted from the rows and pushed to the run's subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_visible
from domain.db import sql
from domain.errors import DomainError, ErrorCode
from domain.events import run_events
from domain.invoice_documents import InvoiceRenderer
from domain.invoices import INVOICE_ROLE
from domain.models import AuditAction, BillingRun, Invoice, InvoiceStatus, RunStatus
from domain.models.notifications import DeliveryChannel, RunNotices
from domain.notices import NoticeSenders
from domain.notifications import (
    DeliveryFailed,
    configured_channels,
    deliver_invoice_notices,
    queue_deliveries,
)
from domain.send_rate import SendThrottle, send_throttle

logger = logging.getLogger("billing.notify")

#: Invoices marked, queued and delivered per batch (then progress is recounted and pushed).
BATCH = 50
#: Runs whose invoices can be sent: generation has finished with invoices.
SENDABLE = (RunStatus.COMPLETED, RunStatus.PARTIALLY_COMPLETED)

#: Called after commit with the run whose sending a worker should do (enqueues it).
EnqueueRun = Callable[[int], Awaitable[None]]


class NoticesPending(Exception):
    """Some deliveries are still held by another (perhaps dead) worker: retry later."""


async def send_run_invoices(
    caller: Caller,
    run_id: int | None,
    channels: Sequence[DeliveryChannel] | None,
    *,
    dispatch: EnqueueRun,
) -> BillingRun:
    """Ask for every live invoice of a finished run to be sent; idempotent.

    A second call never sends a notice twice: SENT deliveries stay as they are, FAILED and
    NO_CONTACT ones are tried again with the guardian's current contact.
    """
    run = await get_visible(caller, BillingRun, run_id, "Billing run")
    caller.require(INVOICE_ROLE, run.school_id)
    if run.status not in SENDABLE:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "Only a COMPLETED or PARTIALLY_COMPLETED run's invoices can be sent.",
            ["billingRunId"],
        )
    chosen = sorted(set(configured_channels() if channels is None else channels))
    if not chosen:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "No channel: configure SMTP_URL or SMS_GATEWAY_URL, or name the channels.",
            ["channels"],
        )
    now = datetime.now(UTC)
    async with in_transaction() as connection:
        total = await (
            Invoice.filter(billing_run_id=run.id)
            .exclude(status=InvoiceStatus.CANCELLED)
            .using_db(connection)
            .count()
        )
        values = {
            "channels": ",".join(chosen),
            "requested_at": now,
            "finished_at": None,
            "total": total,
        }
        updated = await RunNotices.filter(run_id=run.id).using_db(connection).update(**values)
        if not updated:
            await RunNotices.create(run_id=run.id, using_db=connection, **values)
        await audit.record(
            caller,
            AuditAction.SENT_INVOICES,
            run,
            school_id=run.school_id,
            billingRun=run.id,
            channels=list(chosen),
        )
    await dispatch(run.id)
    await run_events().publish(run.id)
    return run


async def recount(run_id: int, channels: Sequence[DeliveryChannel]) -> tuple[int, int, int, int]:
    """(sent, failed, no contact, pending) invoices of the run, from their delivery rows.

    An invoice is sent when any asked channel reached the guardian, failed when none did and
    one failed, no-contact when every asked channel lacked an address; pending otherwise.
    """
    marks = ",".join(f"'{DeliveryChannel(c).value}'" for c in channels)
    async with in_transaction() as connection:
        text = sql(
            connection,
            "SELECT"
            " COALESCE(SUM(CASE WHEN ns > 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN ns = 0 AND nq = 0 AND nf > 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN ns = 0 AND nq = 0 AND nf = 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN ns = 0 AND nq > 0 THEN 1 ELSE 0 END), 0)"
            " FROM (SELECT d.invoice_id,"
            "  SUM(CASE WHEN d.status = 'SENT' THEN 1 ELSE 0 END) AS ns,"
            "  SUM(CASE WHEN d.status = 'FAILED' THEN 1 ELSE 0 END) AS nf,"
            "  SUM(CASE WHEN d.status = 'QUEUED' THEN 1 ELSE 0 END) AS nq"
            "  FROM invoice_delivery d JOIN invoice i ON i.id = d.invoice_id"
            f"  WHERE i.billing_run_id = $1 AND i.status <> 'CANCELLED' AND d.channel IN ({marks})"
            "  GROUP BY d.invoice_id) per_invoice",
        )
        _, rows = await connection.execute_query(text, [run_id])
    sent, failed, no_contact, pending = (int(v) for v in tuple(rows[0]))
    return sent, failed, no_contact, pending


async def _progress(notices: RunNotices, *, finished: bool) -> int:
    sent, failed, no_contact, pending = await recount(notices.run_id, notices.channel_list())
    values: dict[str, object] = {"sent": sent, "failed": failed, "no_contact": no_contact}
    if finished:
        values["finished_at"] = datetime.now(UTC)
    await RunNotices.filter(run_id=notices.run_id).update(**values)
    await run_events().publish(notices.run_id)
    return pending


async def deliver_run_notices(
    run_id: int,
    *,
    senders: NoticeSenders | None = None,
    renderer: InvoiceRenderer | None = None,
    throttle: SendThrottle | None = None,
) -> int:
    """Send the run's live invoices that are not sent yet; how many notices went out."""
    notices = await RunNotices.get_or_none(run_id=run_id)
    if notices is None:
        return 0
    channels = notices.channel_list()
    wait = throttle or send_throttle()
    after, sent = 0, 0
    while True:
        async with in_transaction() as connection:
            batch = await (
                Invoice.filter(billing_run_id=run_id, id__gt=after)
                .exclude(status=InvoiceStatus.CANCELLED)
                .order_by("id")
                .limit(BATCH)
                .using_db(connection)
            )
            if not batch:
                break
            ids = [i.id for i in batch]
            now = datetime.now(UTC)
            await (
                Invoice.filter(id__in=ids, status=InvoiceStatus.ISSUED)
                .using_db(connection)
                .update(status=InvoiceStatus.SENT)
            )
            await (
                Invoice.filter(id__in=ids, sent_at__isnull=True)
                .using_db(connection)
                .update(sent_at=now)
            )
            await queue_deliveries(connection, batch, channels, now)
        for invoice_id in ids:
            try:
                sent += await deliver_invoice_notices(
                    invoice_id, senders, renderer, before_send=wait
                )
            except DeliveryFailed as exc:  # recorded FAILED on its row; a new call retries it
                logger.info("run %s: %s", run_id, exc)
        after = ids[-1]
        await _progress(notices, finished=False)
    pending = await _progress(notices, finished=False)
    if pending:
        # Held by a worker that may have died: its lease ends, then a retry finishes them.
        raise NoticesPending(f"run {run_id}: {pending} invoices still being sent")
    await _progress(notices, finished=True)
    return sent
