"""Sending invoices: marking, queueing, and delivery to a real local SMTP server and SMS gateway."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters import notice_senders_for
from adapters.pdf import TypstInvoiceRenderer
from domain import invoices, notifications, share_links
from domain.errors import DomainError, ErrorCode
from domain.invoice_documents import set_invoice_renderer
from domain.models import Invoice, InvoiceStatus, Role
from domain.models.notifications import DeliveryChannel, DeliveryStatus, InvoiceDelivery
from domain.settings import Settings, get_settings
from tests.factories import Actor, Factory, SchoolSet
from workers.enqueue import dispatch_notices
from workers.notify import send_invoice_notice
from workers.runtime import Runtime

BOTH = [DeliveryChannel.EMAIL, DeliveryChannel.SMS]


@pytest.fixture(autouse=True)
def renderer() -> Iterator[None]:
    """The PDF renderer the e-mails attach with, as a started process installs it."""
    set_invoice_renderer(TypstInvoiceRenderer(threads=1))
    yield
    set_invoice_renderer(None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, str]]:
    """A real SMTP server on a free loopback port; yields its mailbox and SMTP_URL."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@dataclass
class Gateway:
    """A local SMS gateway: records every POST and answers `status`."""

    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[Gateway, str]]:
    """A real HTTP server (uvicorn) on a free loopback port; yields its state and URL."""
    state = Gateway()

    async def sms(request: Request) -> JSONResponse:
        if state.status >= 400:
            return JSONResponse({"error": "gateway down"}, status_code=state.status)
        state.received.append(await request.json())
        return JSONResponse({"id": len(state.received)})

    port = free_port()
    app = Starlette(routes=[Route("/sms", sms, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield state, f"http://127.0.0.1:{port}/sms"
    finally:
        server.should_exit = True
        await task


@dataclass
class Recorder:
    """A dispatch that records the invoice ids it would enqueue."""

    sent: list[int] = field(default_factory=list)

    async def __call__(self, invoice_ids: list[int]) -> None:
        self.sent.extend(invoice_ids)


async def _setup(factory: Factory) -> tuple[SchoolSet, Actor, list[Invoice]]:
    s, actor = await factory.school_with(Role.FINANCE, name="Hillside Academy")
    students = [await factory.student(s.school, s.classes[0]) for _ in range(2)]
    return s, actor, [await factory.invoice(s, st) for st in students]


async def _deliveries(invoice: Invoice) -> dict[str, tuple[str, str | None]]:
    rows = await InvoiceDelivery.filter(invoice_id=invoice.id)
    return {r.channel.value: (r.status.value, r.reason) for r in rows}


async def test_sending_marks_sent_and_queues_one_notice_per_invoice(factory: Factory) -> None:
    # given an issued invoice and a partly paid one
    _, actor, (first, second) = await _setup(factory)
    await invoices.record_payment(
        actor.caller, second.id, amount=Decimal("100"), paid_on=second.invoice_date, method="Cash"
    )
    recorder = Recorder()
    # when both are sent
    rows = await notifications.send_invoices(
        actor.caller, [first.id, second.id, first.id], dispatch=recorder, channels=BOTH
    )
    # then the issued one is SENT, the paid one keeps its status, both carry sentAt
    assert [(r.id, r.status) for r in rows] == [
        (first.id, InvoiceStatus.SENT),
        (second.id, InvoiceStatus.PARTIALLY_PAID),
    ]
    assert all(r.sent_at is not None for r in rows)
    assert recorder.sent == [first.id, second.id]
    assert await _deliveries(first) == {"EMAIL": ("QUEUED", None), "SMS": ("QUEUED", None)}


async def test_guardian_without_contact_is_reported_not_dropped(factory: Factory) -> None:
    _, actor, (invoice, _) = await _setup(factory)
    await (await invoice.student).update_from_dict({"guardian_phone": None}).save()
    recorder = Recorder()
    await notifications.send_invoices(actor.caller, [invoice.id], dispatch=recorder, channels=BOTH)
    assert await _deliveries(invoice) == {"EMAIL": ("QUEUED", None), "SMS": ("NO_CONTACT", None)}
    assert recorder.sent == [invoice.id]


async def test_a_cancelled_invoice_refuses_the_whole_call(factory: Factory) -> None:
    _, actor, (good, bad) = await _setup(factory)
    await invoices.cancel_invoice(actor.caller, bad.id, reason="Duplicate")
    recorder = Recorder()
    with pytest.raises(DomainError) as err:
        await notifications.send_invoices(
            actor.caller, [good.id, bad.id], dispatch=recorder, channels=BOTH
        )
    assert [(p.code, p.field) for p in err.value.problems] == [
        (ErrorCode.INVALID_STATE, ("invoiceIds", "1"))
    ]
    assert (await Invoice.get(id=good.id)).status == InvoiceStatus.ISSUED
    assert await InvoiceDelivery.all().count() == 0
    assert recorder.sent == []


async def test_foreign_ids_viewer_and_too_many_ids_are_refused(factory: Factory) -> None:
    s, actor, (invoice, _) = await _setup(factory)
    other = await factory.actor(await factory.account(), Role.ADMIN)
    viewer = await factory.actor(s.school.account, Role.VIEWER, [s.school])  # type: ignore[arg-type]
    recorder = Recorder()
    cases = [
        (other, [invoice.id], ErrorCode.NOT_FOUND),
        (viewer, [invoice.id], ErrorCode.PERMISSION_DENIED),
        (actor, [invoice.id] * 1001, ErrorCode.INVALID_INPUT),
        (actor, [], ErrorCode.INVALID_INPUT),
    ]
    for who, ids, code in cases:
        with pytest.raises(DomainError) as err:
            await notifications.send_invoices(who.caller, ids, dispatch=recorder, channels=BOTH)
        assert err.value.code == code
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.ISSUED
    assert await InvoiceDelivery.all().count() == 0
    assert recorder.sent == []


async def test_email_and_sms_arrive_once_even_when_the_message_is_redelivered(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    # given a sent invoice and real local servers
    box, smtp_url = smtp
    gw, gw_url = gateway
    _, actor, (invoice, _) = await _setup(factory)
    student = await invoice.student
    settings = Settings(smtp_url=smtp_url, smtp_from="bursar@hillside.test", sms_gateway_url=gw_url)
    await notifications.send_invoices(
        actor.caller, [invoice.id], dispatch=Recorder(), channels=BOTH
    )
    # when the worker runs, then runs again (a redelivered message)
    assert (
        await notifications.deliver_invoice_notices(invoice.id, notice_senders_for(settings)) == 2
    )
    assert (
        await notifications.deliver_invoice_notices(invoice.id, notice_senders_for(settings)) == 0
    )
    # then one e-mail, in text and HTML, says who, what, how much, when due and the number
    assert len(box.messages) == 1
    mail = box.messages[0]
    assert box.recipients == [[student.guardian_email]]
    assert mail["From"] == "bursar@hillside.test"
    assert invoice.number in mail["Subject"]
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in mail.walk()
        if p.get_content_maintype() == "text"
    }
    for body in (parts["text/plain"], parts["text/html"]):
        assert invoice.number in body
        assert student.first_name in body
        assert "Hillside Academy" in body
        assert "KES 19,500.50" in body
        assert "05 February 2026" in body
        assert "Tuition" in body
    # and the invoice's PDF attached, saying the same
    (attachment,) = [p for p in mail.walk() if p.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    pdf_text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(attachment.get_payload(decode=True))).pages
    )
    assert invoice.number in pdf_text and "19,500.50" in pdf_text
    # and one SMS, as JSON: amount due, due date and the short link that opens the PDF
    link = share_links.short_url(invoice.id)
    assert gw.received == [
        {
            "to": student.guardian_phone,
            "reference": invoice.number,
            "message": f"Hillside Academy: Invoice {invoice.number} KES 19,500.50 due "
            f"05 Feb 2026. {link}",
        }
    ]
    assert len(gw.received[0]["message"]) <= 160
    assert await _deliveries(invoice) == {"EMAIL": ("SENT", None), "SMS": ("SENT", None)}


async def test_concurrent_workers_send_each_notice_once(
    factory: Factory, smtp: tuple[Mailbox, str]
) -> None:
    box, smtp_url = smtp
    _, actor, (invoice, _) = await _setup(factory)
    settings = Settings(smtp_url=smtp_url)
    await notifications.send_invoices(
        actor.caller, [invoice.id], dispatch=Recorder(), channels=[DeliveryChannel.EMAIL]
    )
    sent = await asyncio.gather(
        *(
            notifications.deliver_invoice_notices(invoice.id, notice_senders_for(settings))
            for _ in range(3)
        )
    )
    assert sorted(sent) == [0, 0, 1]
    assert len(box.messages) == 1


async def test_failing_gateway_is_recorded_and_a_retry_delivers(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    # given a gateway that is down
    box, smtp_url = smtp
    gw, gw_url = gateway
    gw.status = 503
    _, actor, (invoice, _) = await _setup(factory)
    settings = Settings(smtp_url=smtp_url, sms_gateway_url=gw_url)
    await notifications.send_invoices(
        actor.caller, [invoice.id], dispatch=Recorder(), channels=BOTH
    )
    # when the worker runs: the e-mail goes, the SMS fails and the worker asks for a retry
    with pytest.raises(notifications.DeliveryFailed):
        await notifications.deliver_invoice_notices(invoice.id, notice_senders_for(settings))
    status, reason = (await _deliveries(invoice))["SMS"]
    assert status == "FAILED"
    assert reason is not None and "503" in reason and "gateway down" in reason
    assert (await _deliveries(invoice))["EMAIL"] == ("SENT", None)
    # then once the gateway is back, the retry sends the SMS and not the e-mail again
    gw.status = 200
    assert (
        await notifications.deliver_invoice_notices(invoice.id, notice_senders_for(settings)) == 1
    )
    assert len(gw.received) == 1
    assert len(box.messages) == 1
    row = await InvoiceDelivery.get(invoice_id=invoice.id, channel=DeliveryChannel.SMS)
    assert (row.status, row.reason, row.attempts) == (DeliveryStatus.SENT, None, 2)


async def test_unreachable_smtp_server_fails_with_a_reason(factory: Factory) -> None:
    _, actor, (invoice, _) = await _setup(factory)
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}", notify_timeout_seconds=2)
    await notifications.send_invoices(
        actor.caller, [invoice.id], dispatch=Recorder(), channels=[DeliveryChannel.EMAIL]
    )
    with pytest.raises(notifications.DeliveryFailed):
        await notifications.deliver_invoice_notices(invoice.id, notice_senders_for(settings))
    status, reason = (await _deliveries(invoice))["EMAIL"]
    assert status == "FAILED" and reason is not None and reason.startswith("SMTP")


async def test_resending_requeues_failed_and_missing_contacts_but_not_sent(
    factory: Factory,
) -> None:
    _, actor, (invoice, _) = await _setup(factory)
    student = await invoice.student
    await student.update_from_dict({"guardian_phone": None}).save()
    await notifications.send_invoices(
        actor.caller, [invoice.id], dispatch=Recorder(), channels=BOTH
    )
    await InvoiceDelivery.filter(invoice_id=invoice.id, channel=DeliveryChannel.EMAIL).update(
        status=DeliveryStatus.SENT
    )
    # when the guardian's phone is added and the invoice sent again
    await student.update_from_dict({"guardian_phone": "+254700000001"}).save()
    recorder = Recorder()
    await notifications.send_invoices(actor.caller, [invoice.id], dispatch=recorder, channels=BOTH)
    # then only the SMS is queued anew
    assert await _deliveries(invoice) == {"EMAIL": ("SENT", None), "SMS": ("QUEUED", None)}
    assert recorder.sent == [invoice.id]


async def test_the_embedded_worker_delivers_with_the_configured_settings(
    factory: Factory, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given SMTP configured through the environment and the embedded runtime's workers
    box, smtp_url = smtp
    monkeypatch.setenv("SMTP_URL", smtp_url)
    monkeypatch.delenv("SMS_GATEWAY_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    runtime = Runtime.for_server(get_settings())
    await runtime.start()
    try:
        _, actor, (invoice, _) = await _setup(factory)
        # when the invoice is sent through the real dispatch (the actor's queue)
        await notifications.send_invoices(actor.caller, [invoice.id], dispatch=dispatch_notices)
        # the worker threads run the actor on this loop: wait off it
        await asyncio.to_thread(runtime.broker.join, send_invoice_notice.queue_name, timeout=10_000)
    finally:
        await runtime.stop()
        get_settings.cache_clear()
    # then
    assert len(box.messages) == 1
    assert await _deliveries(invoice) == {"EMAIL": ("SENT", None)}


async def test_a_notice_of_an_invoice_cancelled_meanwhile_is_not_sent(
    factory: Factory, smtp: tuple[Mailbox, str]
) -> None:
    box, smtp_url = smtp
    _, actor, (invoice, _) = await _setup(factory)
    await notifications.send_invoices(
        actor.caller, [invoice.id], dispatch=Recorder(), channels=[DeliveryChannel.EMAIL]
    )
    await invoices.cancel_invoice(actor.caller, invoice.id, reason="Wrong fee")
    assert (
        await notifications.deliver_invoice_notices(
            invoice.id, notice_senders_for(Settings(smtp_url=smtp_url))
        )
        == 0
    )
    assert box.messages == []
    status, reason = (await _deliveries(invoice))["EMAIL"]
    assert status == "FAILED" and reason is not None and "cancelled" in reason
