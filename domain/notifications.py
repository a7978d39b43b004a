"""Sending invoices: mark them SENT, queue one notice per invoice, deliver each channel once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, scoped
from domain.db import is_postgres
from domain.errors import DomainError, ErrorCode, Problem
from domain.invoices import INVOICE_ROLE
from domain.models import Invoice, InvoiceLine, InvoiceStatus, School, Student, Term
from domain.models.notifications import DeliveryChannel, DeliveryStatus, InvoiceDelivery
from domain.notices import Notice, NoticeFailed, NoticeSenders, notice_senders
from domain.settings import Settings, get_settings

logger = logging.getLogger("billing.notify")

#: Most invoices one sendInvoices call takes.
MAX_SEND = 1000

#: Seconds a worker may hold a delivery while sending before another may take it over
#: (a worker killed mid-send); only then can a notice go out twice.
CLAIM_LEASE = timedelta(minutes=5)

#: Called after commit with the ids of invoices that have notices to deliver (enqueues them).
EnqueueNotices = Callable[[list[int]], Awaitable[None]]

#: Deliveries a worker still has to try.
PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.FAILED)


def configured_channels(settings: Settings | None = None) -> list[DeliveryChannel]:
    """The channels this deployment can send on: e-mail with SMTP_URL, SMS with SMS_GATEWAY_URL."""
    s = settings or get_settings()
    channels = []
    if s.smtp_url:
        channels.append(DeliveryChannel.EMAIL)
    if s.sms_gateway_url:
        channels.append(DeliveryChannel.SMS)
    return channels


def _contact(student: Student | None, channel: DeliveryChannel) -> str | None:
    if student is None:
        return None
    value = student.guardian_email if channel == DeliveryChannel.EMAIL else student.guardian_phone
    return (value or "").strip() or None


async def send_invoices(
    caller: Caller,
    invoice_ids: Sequence[int | None],
    *,
    dispatch: EnqueueNotices,
    channels: Sequence[DeliveryChannel] | None = None,
) -> list[Invoice]:
    """Mark invoices SENT and queue their notices; all or none (a cancelled one refuses the call).

    A channel already SENT for an invoice is not sent again; a FAILED or NO_CONTACT one is
    queued anew with the guardian's current contact.
    """
    if not 1 <= len(invoice_ids) <= MAX_SEND:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"Give 1 to {MAX_SEND} invoices at a time.", ["invoiceIds"]
        )
    wanted = sorted({pk for pk in invoice_ids if pk is not None})
    found = {i.id: i for i in await scoped(caller, Invoice).filter(id__in=wanted)}
    missing = [
        Problem(ErrorCode.NOT_FOUND, "Invoice not found.", ("invoiceIds", str(index)))
        for index, pk in enumerate(invoice_ids)
        if pk is None or pk not in found
    ]
    if missing:
        raise DomainError(missing)
    for school_id in sorted({i.school_id for i in found.values()}):
        caller.require(INVOICE_ROLE, school_id)
    chosen = list(configured_channels()) if channels is None else list(channels)
    now = datetime.now(UTC)

    async with in_transaction() as connection:
        qs = Invoice.filter(id__in=wanted).using_db(connection).order_by("id")
        locked = await (qs.select_for_update() if is_postgres(connection) else qs)
        cancelled = {i.id for i in locked if i.status == InvoiceStatus.CANCELLED}
        if cancelled:
            raise DomainError(
                [
                    Problem(
                        ErrorCode.INVALID_STATE,
                        "A cancelled invoice cannot be sent.",
                        ("invoiceIds", str(index)),
                    )
                    for index, pk in enumerate(invoice_ids)
                    if pk in cancelled
                ]
            )
        await (
            Invoice.filter(id__in=wanted, status=InvoiceStatus.ISSUED)
            .using_db(connection)
            .update(status=InvoiceStatus.SENT)
        )
        await (
            Invoice.filter(id__in=wanted, sent_at__isnull=True)
            .using_db(connection)
            .update(sent_at=now)
        )
        await audit.record_many(caller, audit.AuditAction.SENT_INVOICES, locked)
        students = {
            s.id: s
            for s in await Student.filter(id__in=list({i.student_id for i in locked})).using_db(
                connection
            )
        }
        existing = {
            (d.invoice_id, d.channel): d
            for d in await InvoiceDelivery.filter(invoice_id__in=wanted).using_db(connection)
        }
        new: list[InvoiceDelivery] = []
        for invoice in locked:
            for channel in chosen:
                recipient = _contact(students.get(invoice.student_id), channel)
                status = DeliveryStatus.QUEUED if recipient else DeliveryStatus.NO_CONTACT
                row = existing.get((invoice.id, channel))
                if row is None:
                    new.append(
                        InvoiceDelivery(
                            invoice_id=invoice.id,
                            channel=channel,
                            status=status,
                            recipient=recipient,
                            queued_at=now,
                        )
                    )
                elif row.status in (DeliveryStatus.FAILED, DeliveryStatus.NO_CONTACT):
                    await (
                        InvoiceDelivery.filter(id=row.id)
                        .using_db(connection)
                        .update(status=status, recipient=recipient, reason=None, queued_at=now)
                    )
        if new:
            await InvoiceDelivery.bulk_create(new, using_db=connection)
        to_deliver: list[int] = await (
            InvoiceDelivery.filter(invoice_id__in=wanted, status=DeliveryStatus.QUEUED)
            .using_db(connection)
            .distinct()
            .values_list("invoice_id", flat=True)
        )  # type: ignore[assignment]

    if to_deliver:
        await dispatch(sorted(set(to_deliver)))
    rows = {i.id: i for i in await Invoice.filter(id__in=wanted)}
    return [rows[pk] for pk in dict.fromkeys(pk for pk in invoice_ids if pk is not None)]


async def notice_of(invoice: Invoice) -> Notice:
    """What the guardian is told about an invoice, read fresh from the database."""
    school = await School.get(id=invoice.school_id)
    student = await Student.get(id=invoice.student_id)
    term = await Term.get(id=invoice.term_id)
    lines = await InvoiceLine.filter(invoice_id=invoice.id).order_by("position", "id")
    return Notice(
        school=school.name,
        number=invoice.number,
        student=f"{student.first_name} {student.last_name}",
        admission_number=student.admission_number,
        guardian=student.guardian_name,
        term=term.name,
        currency=school.currency,
        lines=tuple((line.description, Decimal(line.amount)) for line in lines),
        total=Decimal(invoice.total),
        paid=Decimal(invoice.amount_paid),
        due_date=invoice.due_date,
    )


class DeliveryFailed(Exception):
    """Some notices of an invoice failed; raised so that the queue retries them later."""


async def _claim(delivery_id: int, now: datetime) -> bool:
    """Take a pending delivery for this worker: the check-and-mark that prevents a second send."""
    taken = await (
        InvoiceDelivery.filter(id=delivery_id, status__in=list(PENDING))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
        .update(claimed_at=now)
    )
    return bool(taken)


async def deliver_invoice_notices(invoice_id: int, senders: NoticeSenders | None = None) -> int:
    """Send an invoice's pending notices, each channel at most once; how many went out.

    Safe to run twice: a delivery is claimed in the database before it is sent and marked
    SENT right after, so a redelivered message finds nothing left to do. The senders are
    the process's (installed at start-up from the settings) unless given.
    """
    send = senders or notice_senders()
    invoice = await Invoice.get_or_none(id=invoice_id)
    if invoice is None:
        return 0
    pending = await InvoiceDelivery.filter(
        invoice_id=invoice_id, status__in=list(PENDING)
    ).order_by("channel")
    if not pending:
        return 0
    notice = await notice_of(invoice)
    sent = 0
    failures: list[str] = []
    for delivery in pending:
        now = datetime.now(UTC)
        if not await _claim(delivery.id, now):
            continue
        try:
            if invoice.status == InvoiceStatus.CANCELLED:
                raise NoticeFailed("The invoice was cancelled before the notice went out.")
            assert delivery.recipient is not None
            if delivery.channel == DeliveryChannel.EMAIL:
                await send.send_email(notice, delivery.recipient)
            else:
                await send.send_sms(notice, delivery.recipient)
        except NoticeFailed as exc:
            await InvoiceDelivery.filter(id=delivery.id).update(
                status=DeliveryStatus.FAILED,
                reason=str(exc),
                attempts=delivery.attempts + 1,
                claimed_at=None,
            )
            if invoice.status != InvoiceStatus.CANCELLED:
                failures.append(f"{delivery.channel}: {exc}")
            logger.warning(
                "notice of invoice %s by %s failed: %s", invoice_id, delivery.channel, exc
            )
            continue
        await InvoiceDelivery.filter(id=delivery.id).update(
            status=DeliveryStatus.SENT,
            reason=None,
            attempts=delivery.attempts + 1,
            claimed_at=None,
            sent_at=datetime.now(UTC),
        )
        sent += 1
    if failures:
        raise DeliveryFailed(f"invoice {invoice_id}: " + "; ".join(failures))
    return sent
