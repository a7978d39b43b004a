"""sendBillingRunInvoices: every live invoice of a finished run, to a real SMTP server and SMS
gateway, once each, resumable after a killed worker, at the configured rate, with progress."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters import notice_senders_for
from api.ids import encode_id
from domain import run_notices
from domain.billing.watch import watch_run
from domain.errors import DomainError, ErrorCode
from domain.invoices import cancel_invoice
from domain.models import AuditAction, AuditEvent, BillingRun, Invoice, InvoiceStatus, Role, Student
from domain.models.notifications import (
    DeliveryChannel,
    InvoiceDelivery,
    RunNotices,
)
from domain.notices import Notice, NoticeSenders
from domain.run_notices import NoticesPending, Throttle
from domain.settings import Settings
from tests.billing_helpers import bill, new_run, populate
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet
from tests.integration.test_invoice_notices import Gateway, Mailbox

BOTH = [DeliveryChannel.EMAIL, DeliveryChannel.SMS]
FREE = Throttle({})


@dataclass
class Runs:
    """Runs whose sending a dispatch would have enqueued."""

    ids: list[int] = field(default_factory=list)

    async def __call__(self, run_id: int) -> None:
        self.ids.append(run_id)


@dataclass
class Billed:
    s: SchoolSet
    finance: Actor
    viewer: Actor
    stranger: Actor
    run: BillingRun
    invoices: list[Invoice]


async def _billed(factory: Factory, per_class: int = 2) -> Billed:
    account = await factory.account()
    s = await factory.school(account, name="Hillside Academy")
    await populate(factory, s, per_class=per_class)
    admin = await factory.actor(account, Role.ADMIN)
    run = await bill(admin, await new_run(admin, s))
    return Billed(
        s=s,
        finance=await factory.actor(account, Role.FINANCE, [s.school]),
        viewer=await factory.actor(account, Role.VIEWER, [s.school]),
        stranger=await factory.actor(await factory.account(), Role.ADMIN),
        run=run,
        invoices=list(await Invoice.filter(billing_run_id=run.id).order_by("id")),
    )


def _sms(gateway: tuple[Gateway, str]) -> tuple[Gateway, NoticeSenders]:
    """The local SMS gateway, and senders that send SMS to it (and no e-mail)."""
    gw, gw_url = gateway
    return gw, notice_senders_for(Settings(sms_gateway_url=gw_url))


def _mail(smtp: tuple[Mailbox, str]) -> tuple[Mailbox, NoticeSenders]:
    """The local mailbox, and senders that e-mail it (and send no SMS)."""
    box, smtp_url = smtp
    return box, notice_senders_for(Settings(smtp_url=smtp_url))


async def _ask(b: Billed, channel: DeliveryChannel) -> None:
    """FINANCE asks for the run's invoices to be sent on one channel (no worker runs them)."""
    await run_notices.send_run_invoices(b.finance.caller, b.run.id, [channel], dispatch=Runs())


async def _progress(run_id: int) -> tuple[int, int, int, int, bool]:
    row = await RunNotices.get(run_id=run_id)
    return row.total, row.sent, row.failed, row.no_contact, row.finished_at is not None


async def test_every_live_invoice_is_sent_once_and_a_second_call_sends_nothing_twice(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    # given a finished run: one invoice cancelled, one student without any contact
    box, smtp_url = smtp
    gw, gw_url = gateway
    b = await _billed(factory)
    live, cancelled, silent = b.invoices[:-2], b.invoices[-2], b.invoices[-1]
    n = len(live)
    await cancel_invoice(b.finance.caller, cancelled.id, reason="Issued twice")
    await Student.filter(id=silent.student_id).update(guardian_email=None, guardian_phone=None)
    senders = notice_senders_for(Settings(smtp_url=smtp_url, sms_gateway_url=gw_url))
    runs = Runs()
    # when sending is asked for, then a worker sends
    run = await run_notices.send_run_invoices(b.finance.caller, b.run.id, BOTH, dispatch=runs)
    assert runs.ids == [run.id]
    assert await _progress(run.id) == (n + 1, 0, 0, 0, False)
    assert await run_notices.deliver_run_notices(run.id, senders=senders, throttle=FREE) == 2 * n
    # then each live invoice with a contact got one e-mail (its PDF attached) and one SMS
    assert await _progress(run.id) == (n + 1, n, 0, 1, True)
    assert len(box.messages) == n and len(gw.received) == n
    numbers = sorted(i.number for i in live)
    assert sorted(m["Subject"].split()[1] for m in box.messages) == numbers
    assert all(
        any(p.get_content_type() == "application/pdf" for p in m.walk()) for m in box.messages
    )
    assert sorted(r["reference"] for r in gw.received) == numbers
    assert all(len(r["message"]) <= 160 for r in gw.received)
    assert await Invoice.filter(id__in=[i.id for i in live], status=InvoiceStatus.SENT).count() == n
    assert not await InvoiceDelivery.filter(invoice_id=cancelled.id).exists()
    # and it was audited as the caller's
    audited = await AuditEvent.filter(
        object_type="BillingRun", object_pk=run.id, action=AuditAction.SENT_INVOICES
    )
    assert [(e.user_id, e.school_id) for e in audited] == [(b.finance.user.id, b.s.school.id)]
    # when asked again (and the worker runs twice)
    await run_notices.send_run_invoices(b.finance.caller, b.run.id, BOTH, dispatch=runs)
    for _ in range(2):
        assert await run_notices.deliver_run_notices(run.id, senders=senders, throttle=FREE) == 0
    # then nothing went out twice, and the progress is the same, finished
    assert len(box.messages) == n and len(gw.received) == n
    assert await _progress(run.id) == (n + 1, n, 0, 1, True)


class DyingSender:
    """Sends `live` notices through the real senders, then dies as a killed worker would."""

    def __init__(self, real: NoticeSenders, live: int) -> None:
        self.real, self.live = real, live

    async def send_email(self, notice: Notice, to: str) -> None:
        if self.live == 0:
            raise asyncio.CancelledError  # the process is gone mid-send
        self.live -= 1
        await self.real.send_email(notice, to)


async def test_a_killed_worker_is_resumed_without_a_second_send(
    factory: Factory, smtp: tuple[Mailbox, str]
) -> None:
    box, real = _mail(smtp)
    b = await _billed(factory)
    await _ask(b, DeliveryChannel.EMAIL)
    # given a worker killed after 3 e-mails, in the middle of the 4th (its row still claimed)
    dying = NoticeSenders(email=DyingSender(real, 3))
    with pytest.raises(asyncio.CancelledError):
        await run_notices.deliver_run_notices(b.run.id, senders=dying, throttle=FREE)
    assert len(box.messages) == 3
    # when the message is redelivered to another worker before the claim's lease ends
    with pytest.raises(NoticesPending):
        await run_notices.deliver_run_notices(b.run.id, senders=real, throttle=FREE)
    # then all but the claimed one are sent, and the run is not finished
    n = len(b.invoices)
    assert len(box.messages) == n - 1
    assert await _progress(b.run.id) == (n, n - 1, 0, 0, False)
    # when the lease has ended and the retry comes
    stale = datetime.now(UTC) - timedelta(hours=1)
    await InvoiceDelivery.filter(claimed_at__isnull=False).update(claimed_at=stale)
    assert await run_notices.deliver_run_notices(b.run.id, senders=real, throttle=FREE) == 1
    # then every invoice was mailed exactly once
    assert sorted(m["To"] for m in box.messages) == sorted({m["To"] for m in box.messages})
    assert len(box.messages) == n
    assert await _progress(b.run.id) == (n, n, 0, 0, True)


async def test_a_failing_gateway_is_counted_failed_and_asking_again_retries_it(
    factory: Factory, gateway: tuple[Gateway, str]
) -> None:
    gw, senders = _sms(gateway)
    b = await _billed(factory, per_class=1)
    gw.status = 503
    await _ask(b, DeliveryChannel.SMS)
    await run_notices.deliver_run_notices(b.run.id, senders=senders, throttle=FREE)
    n = len(b.invoices)
    assert await _progress(b.run.id) == (n, 0, n, 0, True)
    gw.status = 200
    await _ask(b, DeliveryChannel.SMS)
    assert await _progress(b.run.id) == (n, 0, n, 0, False)
    await run_notices.deliver_run_notices(b.run.id, senders=senders, throttle=FREE)
    assert await _progress(b.run.id) == (n, n, 0, 0, True)
    assert len(gw.received) == n


async def test_sending_keeps_to_the_configured_rate_per_channel(
    factory: Factory, gateway: tuple[Gateway, str]
) -> None:
    gw, senders = _sms(gateway)
    b = await _billed(factory)
    await _ask(b, DeliveryChannel.SMS)
    started = time.monotonic()
    throttle = Throttle({DeliveryChannel.SMS: 10.0})
    await run_notices.deliver_run_notices(b.run.id, senders=senders, throttle=throttle)
    took = time.monotonic() - started
    n = len(b.invoices)
    assert len(gw.received) == n
    assert took >= (n - 1) / 10 - 0.01, took  # n sends at 10 a second: the last after (n-1)/10 s


async def test_refusals_answer_like_other_mutations_and_write_nothing(factory: Factory) -> None:
    b = await _billed(factory, per_class=1)
    runs = Runs()

    async def code(actor: Actor, run_id: int | None, channels: Any = BOTH) -> ErrorCode:
        with pytest.raises(DomainError) as caught:
            await run_notices.send_run_invoices(actor.caller, run_id, channels, dispatch=runs)
        return caught.value.problems[0].code

    assert await code(b.stranger, b.run.id) == ErrorCode.NOT_FOUND
    assert await code(b.finance, None) == ErrorCode.NOT_FOUND
    assert await code(b.viewer, b.run.id) == ErrorCode.PERMISSION_DENIED
    assert await code(b.finance, b.run.id, []) == ErrorCode.INVALID_INPUT
    draft = await new_run(b.finance, b.s)
    assert await code(b.finance, draft.id) == ErrorCode.INVALID_STATE
    assert runs.ids == []
    assert not await RunNotices.all().exists()


async def test_subscribers_see_the_notices_progress_until_finished(
    factory: Factory, smtp: tuple[Mailbox, str]
) -> None:
    _, senders = _mail(smtp)
    b = await _billed(factory)
    await _ask(b, DeliveryChannel.EMAIL)
    seen: list[tuple[int, int, int, int, bool]] = []

    async def follow() -> None:
        stream: AsyncIterator[BillingRun] = watch_run(b.run.id, poll_seconds=0.2)
        async for _ in stream:
            seen.append(await _progress(b.run.id))

    watcher = asyncio.create_task(follow())
    await asyncio.sleep(0.3)
    await run_notices.deliver_run_notices(
        b.run.id, senders=senders, throttle=Throttle({DeliveryChannel.EMAIL: 20.0})
    )
    await asyncio.wait_for(watcher, timeout=10)  # completes once the sending has finished
    n = len(b.invoices)
    assert seen[0] == (n, 0, 0, 0, False)
    assert seen[-1] == (n, n, 0, 0, True)
    assert len(seen) >= 2


SEND = """mutation($input: SendBillingRunInvoicesInput!) {
  sendBillingRunInvoices(input: $input) {
    billingRun { id notices { total sent failed noContact finished } }
    errors { code field }
  }
}"""


async def test_the_mutation_answers_the_contract(
    factory: Factory, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.mutations import runs as run_mutations

    runs = Runs()
    monkeypatch.setattr(run_mutations, "dispatch_run_notices", runs)
    b = await _billed(factory, per_class=1)
    gid = encode_id("BillingRun", b.run.id)
    body = await gql(SEND, {"input": {"billingRunId": gid, "channels": ["EMAIL"]}}, b.finance.token)
    answer = body["data"]["sendBillingRunInvoices"]
    assert answer["errors"] == []
    assert answer["billingRun"]["notices"] == {
        "total": len(b.invoices),
        "sent": 0,
        "failed": 0,
        "noContact": 0,
        "finished": False,
    }
    assert runs.ids == [b.run.id]
    body = await gql(SEND, {"input": {"billingRunId": gid}}, b.viewer.token)
    assert body["data"]["sendBillingRunInvoices"]["errors"][0]["code"] == "PERMISSION_DENIED"
