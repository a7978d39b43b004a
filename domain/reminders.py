"""The daily reminder job: each school's stages, sent once per invoice, stage and channel.

However many workers run it, one does a school's day: the first to insert the
(school, day) row of `ReminderDay` (a worker that dies midway leaves it unfinished, and
another takes it over after DAY_LEASE). A stage is due for an invoice that is exactly that
many days past due; when days were missed (no finished day since), the missed days are
caught up once: each invoice gets only the latest stage it passed in that gap. Each
reminder is a unique `ReminderDelivery` row (the claim), sent with the balance as of
sending, and never to an invoice paid or cancelled by then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from domain.invoice_documents import InvoiceRenderer
from domain.invoice_search import balance_of
from domain.models import Invoice, InvoiceStatus, Student
from domain.models.notifications import DeliveryChannel, DeliveryStatus
from domain.models.reminders import ReminderDay, ReminderDelivery, ReminderStage
from domain.notices import NoticeFailed, NoticeSenders, notice_senders
from domain.notifications import claim_lease, notice_of, with_pdf
from domain.reminder_policy import Stage, stages_of
from domain.settings import get_settings

logger = logging.getLogger("billing.notify")

#: A school's day claimed by a worker that has not finished it is taken over after this.
DAY_LEASE = timedelta(minutes=10)
#: Most missed days caught up (a job stopped for longer catches up this many days).
MAX_CATCH_UP = 31
#: Invoices that may owe money (a PAID or CANCELLED one is never reminded).
OWING = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID)

Wait = Callable[[DeliveryChannel], Awaitable[None]]


def job_today() -> date:
    """The job's today: BILLING_REMINDERS_TODAY when set (tests, demos), else UTC's."""
    return get_settings().billing_reminders_today or datetime.now(UTC).date()


async def claim_day(school_id: int, day: date, now: datetime | None = None) -> bool:
    """Take the school's day for this worker; False when another has it (or it is done)."""
    moment = now or datetime.now(UTC)
    try:
        await ReminderDay.create(school_id=school_id, day=day, claimed_at=moment)
        return True
    except IntegrityError:
        taken = await ReminderDay.filter(
            school_id=school_id,
            day=day,
            finished_at__isnull=True,
            claimed_at__lt=moment - DAY_LEASE,
        ).update(claimed_at=moment)
        return bool(taken)


async def _gap(school_id: int, day: date) -> int:
    """Days this run covers: since the last finished day (1 when none, or yesterday's)."""
    last = (
        await ReminderDay.filter(school_id=school_id, day__lt=day, finished_at__isnull=False)
        .order_by("-day")
        .first()
    )
    return min((day - last.day).days, MAX_CATCH_UP) if last is not None else 1


def _stage_for(stages: list[Stage], overdue: int, gap: int) -> Stage | None:
    """The latest stage the invoice reached in the days this run covers."""
    reached = [s for s in stages if s.days_after_due <= overdue < s.days_after_due + gap]
    return reached[-1] if reached else None


async def queue_school(school_id: int, day: date) -> int:
    """Write the reminder rows due on `day` for one school (existing rows stay); how many new."""
    stages = await stages_of(school_id)
    if not stages:
        return 0
    gap = await _gap(school_id, day)
    latest_due = day - timedelta(days=stages[0].days_after_due)
    earliest_due = day - timedelta(days=stages[-1].days_after_due + gap - 1)
    invoices = await Invoice.filter(
        school_id=school_id,
        status__in=list(OWING),
        due_date__gte=earliest_due,
        due_date__lte=latest_due,
    ).order_by("id")
    owing = [i for i in invoices if balance_of(i) > Decimal("0")]
    students = {s.id: s for s in await Student.filter(id__in=list({i.student_id for i in owing}))}
    now = datetime.now(UTC)
    rows = []
    for invoice in owing:
        stage = _stage_for(stages, (day - invoice.due_date).days, gap)
        if stage is None:
            continue
        student = students.get(invoice.student_id)
        for channel in stage.channels:
            contact = None
            if student is not None:
                raw = (
                    student.guardian_email
                    if channel == DeliveryChannel.EMAIL
                    else student.guardian_phone
                )
                contact = (raw or "").strip() or None
            rows.append(
                ReminderDelivery(
                    invoice_id=invoice.id,
                    stage=stage.days_after_due,
                    channel=channel,
                    status=DeliveryStatus.QUEUED if contact else DeliveryStatus.NO_CONTACT,
                    recipient=contact,
                    queued_at=now,
                )
            )
    if rows:
        # The unique (invoice, stage, channel) row is the claim: one already there stays.
        await ReminderDelivery.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


async def _claim(row_id: int, now: datetime) -> bool:
    taken = await (
        ReminderDelivery.filter(id=row_id, status=DeliveryStatus.QUEUED)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_lease()))
        .update(claimed_at=now)
    )
    return bool(taken)


async def deliver_school(
    school_id: int,
    *,
    senders: NoticeSenders | None = None,
    renderer: InvoiceRenderer | None = None,
    wait: Wait | None = None,
) -> int:
    """Send the school's queued reminders, each at most once; how many went out."""
    send = senders or notice_senders()
    pending = await ReminderDelivery.filter(
        invoice__school_id=school_id, status=DeliveryStatus.QUEUED
    ).order_by("invoice_id", "stage", "channel")
    sent = 0
    for row in pending:
        if not await _claim(row.id, datetime.now(UTC)):
            continue
        invoice = await Invoice.get(id=row.invoice_id)
        try:
            if invoice.status not in OWING or balance_of(invoice) <= 0:
                raise NoticeFailed("Paid or cancelled before the reminder went out: not sent.")
            notice = await notice_of(invoice, reminder_days=row.stage)  # balance as of now
            assert row.recipient is not None
            if wait is not None:
                await wait(row.channel)
            if row.channel == DeliveryChannel.EMAIL:
                notice = await with_pdf(notice, invoice, renderer)
                await send.send_email(notice, row.recipient)
            else:
                await send.send_sms(notice, row.recipient)
        except NoticeFailed as exc:
            await ReminderDelivery.filter(id=row.id).update(
                status=DeliveryStatus.FAILED,
                reason=str(exc),
                attempts=row.attempts + 1,
                claimed_at=None,
            )
            logger.warning("reminder of invoice %s failed: %s", invoice.id, exc)
            continue
        await ReminderDelivery.filter(id=row.id).update(
            status=DeliveryStatus.SENT,
            attempts=row.attempts + 1,
            claimed_at=None,
            sent_at=datetime.now(UTC),
        )
        sent += 1
    return sent


async def run_reminders(
    day: date | None = None,
    *,
    senders: NoticeSenders | None = None,
    renderer: InvoiceRenderer | None = None,
    wait: Wait | None = None,
) -> int:
    """The daily job: every school with a policy whose `day` no worker has taken yet."""
    today = day or job_today()
    school_ids: list[int] = await ReminderStage.all().distinct().values_list("school_id", flat=True)  # type: ignore[assignment]
    done = set(
        await ReminderDay.filter(day=today, finished_at__isnull=False).values_list(
            "school_id", flat=True
        )
    )
    sent = 0
    for school_id in sorted(set(school_ids) - done):
        if not await claim_day(school_id, today):
            continue
        await queue_school(school_id, today)
        sent += await deliver_school(school_id, senders=senders, renderer=renderer, wait=wait)
        await ReminderDay.filter(school_id=school_id, day=today).update(
            finished_at=datetime.now(UTC)
        )
    return sent
