"""The actors on real Redis with a real dramatiq Worker: safe to run twice, and chained
through the broker (the sweeper's message enqueues the chunks it finds stalled)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from adapters import notice_senders_for
from domain import notifications
from domain.models import BillingRun, RunStatus
from domain.models.notifications import DeliveryChannel, DeliveryStatus, InvoiceDelivery
from domain.notices import NoticeSenders, set_notice_senders
from domain.settings import get_settings
from tests.billing_helpers import confirmed
from tests.factories import Factory
from tests.invariants import assert_exact
from tests.servers import free_port
from tests.tables import changed, snapshot
from tests.workers.conftest import RedisWorker
from tests.world import build_world
from workers.actors import generate_chunk, sweep
from workers.notify import send_invoice_notice


async def test_a_chunk_delivered_twice_through_redis_changes_nothing_the_second_time(
    factory: Factory, redis_worker: RedisWorker
) -> None:
    # given a confirmed run of 9 students, one chunk, whose message was not sent
    w = await build_world(factory, students=9)
    run, recorder = await confirmed(w.finance, w.s)
    assert recorder.sent == [(run.id, 0)]
    # when the chunk's message goes through Redis to the worker
    message = generate_chunk.message(run.id, 0)
    redis_worker.broker.enqueue(message)
    await redis_worker.until_processed(1)
    runs = await assert_exact(w.s.school.id, [run.id])
    assert runs[run.id].items_invoiced == 9
    before = await snapshot()
    # and the same message is delivered again
    redis_worker.broker.enqueue(message)
    await redis_worker.until_processed(2)
    # then no row of any table changed
    assert changed(before, await snapshot()) == []


async def test_the_sweep_message_reenqueues_a_stalled_run_through_redis(
    factory: Factory, redis_worker: RedisWorker
) -> None:
    # given a confirmed run whose chunk message was lost long ago
    w = await build_world(factory, students=5)
    run, _ = await confirmed(w.finance, w.s)
    await BillingRun.filter(id=run.id).update(last_progress_at=datetime(2020, 1, 1, tzinfo=UTC))
    # when the sweep actor's message is sent through the broker
    sweep.send()
    # then the sweep enqueues the chunk, the worker generates it, and the run is exact
    await redis_worker.until_processed(2)
    runs = await assert_exact(w.s.school.id, [run.id])
    assert (runs[run.id].status, runs[run.id].items_invoiced) == (RunStatus.COMPLETED, 5)


@dataclass
class Outbox:
    """What a local SMTP server received."""

    mails: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    """A real SMTP server on a loopback port, configured as the workers' SMTP_URL."""
    box = Outbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{port}")
    # the senders a process installs at start-up from its settings (adapters.chosen)
    set_notice_senders(notice_senders_for(get_settings()))
    try:
        yield box
    finally:
        set_notice_senders(NoticeSenders())
        controller.stop()


async def test_a_notice_delivered_twice_through_redis_is_mailed_once(
    factory: Factory, redis_worker: RedisWorker, outbox: Outbox
) -> None:
    # given an invoice sent by e-mail, its notice not yet dispatched
    w = await build_world(factory, students=1, invoices=True)
    invoice = w.invoices[0]
    queued: list[int] = []

    async def record(invoice_ids: list[int]) -> None:
        queued.extend(invoice_ids)

    await notifications.send_invoices(
        w.finance.caller, [invoice.id], dispatch=record, channels=[DeliveryChannel.EMAIL]
    )
    assert queued == [invoice.id]
    # when the notice's message goes through Redis twice (a redelivery)
    message = send_invoice_notice.message(invoice.id)
    redis_worker.broker.enqueue(message)
    await redis_worker.until_processed(1)
    redis_worker.broker.enqueue(message)
    await redis_worker.until_processed(2)
    # then the guardian got one e-mail naming the invoice, and the delivery is SENT once
    assert len(outbox.mails) == 1
    assert invoice.number in outbox.mails[0]["Subject"]
    delivery = await InvoiceDelivery.get(invoice_id=invoice.id, channel=DeliveryChannel.EMAIL)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
