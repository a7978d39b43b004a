"""Reminders: a school's policy, and the daily job on a clock the test controls, delivered to
a real local SMTP server and SMS gateway; once per invoice, stage and channel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters import notice_senders_for
from api.ids import encode_id
from domain import reminders
from domain.errors import DomainError, ErrorCode
from domain.invoices import cancel_invoice, record_payment
from domain.models import AuditAction, AuditEvent, Invoice, InvoiceStatus, Role
from domain.models.notifications import DeliveryChannel, DeliveryStatus
from domain.models.reminders import ReminderDay, ReminderDelivery, ReminderStage
from domain.notices import NoticeSenders
from domain.reminder_policy import Stage, set_reminder_policy
from domain.settings import Settings
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet
from tests.integration.test_invoice_notices import Gateway, Mailbox

EMAIL, SMS = DeliveryChannel.EMAIL, DeliveryChannel.SMS
TODAY = date(2026, 3, 20)
POLICY = [Stage(7, (EMAIL,)), Stage(30, (EMAIL, SMS))]


@dataclass
class School:
    s: SchoolSet
    finance: Actor
    viewer: Actor
    stranger: Actor


async def _school(factory: Factory) -> School:
    account = await factory.account()
    s = await factory.school(account, name="Hillside Academy")
    return School(
        s=s,
        finance=await factory.actor(account, Role.FINANCE, [s.school]),
        viewer=await factory.actor(account, Role.VIEWER, [s.school]),
        stranger=await factory.actor(await factory.account(), Role.ADMIN),
    )


async def _invoice(factory: Factory, sc: School, days_past_due: int) -> Invoice:
    student = await factory.student(sc.s.school, sc.s.classes[0])
    return await factory.invoice(sc.s, student, due_date=TODAY - timedelta(days=days_past_due))


def _senders(smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]) -> NoticeSenders:
    """Senders to the local SMTP server and SMS gateway of the fixtures."""
    return notice_senders_for(Settings(smtp_url=smtp[1], sms_gateway_url=gateway[1]))


async def _reminding(
    factory: Factory,
    smtp: tuple[Mailbox, str],
    gateway: tuple[Gateway, str],
    policy: list[Stage] = POLICY,
) -> tuple[School, Mailbox, Gateway, NoticeSenders]:
    """A school with `policy`, the local mailbox and gateway, and senders to them."""
    sc = await _school(factory)
    await set_reminder_policy(sc.finance.caller, sc.s.school.id, policy)
    return sc, smtp[0], gateway[0], _senders(smtp, gateway)


async def _rows() -> set[tuple[int, int, str, str]]:
    return {
        (r.invoice_id, r.stage, r.channel.value, r.status.value)
        for r in await ReminderDelivery.all()
    }


async def test_each_stage_goes_once_to_each_unpaid_invoice_that_many_days_past_due(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    sc, box, gw, senders = await _reminding(factory, smtp, gateway)
    # given invoices 7, 8, 30 and 6 days past due, one 7 days past but paid, one cancelled,
    # and one 7 days past but partly paid (its balance as of sending is what is reminded)
    seven, eight, thirty, six = [await _invoice(factory, sc, d) for d in (7, 8, 30, 6)]
    paid = await _invoice(factory, sc, 7)
    await record_payment(
        sc.finance.caller, paid.id, amount=Decimal("19500.50"), paid_on=TODAY, method="Cash"
    )
    cancelled = await _invoice(factory, sc, 7)
    await cancel_invoice(sc.finance.caller, cancelled.id, reason="Issued twice")
    partly = await _invoice(factory, sc, 7)
    await record_payment(
        sc.finance.caller, partly.id, amount=Decimal("500.50"), paid_on=TODAY, method="Cash"
    )
    # when the daily job runs today
    sent = await reminders.run_reminders(TODAY, senders=senders)
    # then stage 7 by e-mail to the two unpaid 7-day invoices, stage 30 by both to the other
    assert sent == 4
    assert await _rows() == {
        (seven.id, 7, "EMAIL", "SENT"),
        (partly.id, 7, "EMAIL", "SENT"),
        (thirty.id, 30, "EMAIL", "SENT"),
        (thirty.id, 30, "SMS", "SENT"),
    }
    subjects = sorted(m["Subject"] for m in box.messages)
    assert all(s.startswith("Reminder: Invoice") for s in subjects)
    partly_mail = next(m for m in box.messages if partly.number in m["Subject"])
    assert "KES 19,000.00" in " ".join(partly_mail["Subject"].split())  # balance when sent
    assert any(p.get_content_type() == "application/pdf" for p in partly_mail.walk())
    assert [r["reference"] for r in gw.received] == [thirty.number]
    assert len(gw.received[0]["message"]) <= 160
    assert not {eight.id, six.id, paid.id, cancelled.id} & {r[0] for r in await _rows()}
    # when the job runs again the same day (another worker, or the next interval)
    assert await reminders.run_reminders(TODAY, senders=senders) == 0
    # and the next day only the invoice then 7 days past due is reminded (8 is no stage)
    assert await reminders.run_reminders(TODAY + timedelta(days=1), senders=senders) == 1
    assert (six.id, 7, "EMAIL", "SENT") in await _rows()
    assert len(box.messages) == 4 and len(gw.received) == 1


async def test_missed_days_are_caught_up_once_with_the_latest_stage_only(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    policy = [Stage(7, (EMAIL,)), Stage(9, (EMAIL,))]
    sc, box, _, senders = await _reminding(factory, smtp, gateway, policy)
    # given the job last finished 4 days ago, and invoices 7..10 days past due today
    await reminders.run_reminders(TODAY - timedelta(days=4), senders=senders)
    invoices = {d: await _invoice(factory, sc, d) for d in (3, 7, 8, 9, 10, 13)}
    # when it runs today (three days were missed)
    await reminders.run_reminders(TODAY, senders=senders)
    # then each invoice that passed a stage in the missed days got one reminder: the latest
    assert await _rows() == {
        (invoices[7].id, 7, "EMAIL", "SENT"),
        (invoices[8].id, 7, "EMAIL", "SENT"),
        (invoices[9].id, 9, "EMAIL", "SENT"),
        (invoices[10].id, 9, "EMAIL", "SENT"),
    }
    assert len(box.messages) == 4


async def test_two_workers_on_the_same_day_remind_once(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    sc, box, _, senders = await _reminding(factory, smtp, gateway)
    for _ in range(5):
        await _invoice(factory, sc, 7)
    results = await asyncio.gather(
        *(reminders.run_reminders(TODAY, senders=senders) for _ in range(3))
    )
    assert sorted(results) == [0, 0, 5]
    assert len(box.messages) == 5
    assert await ReminderDay.filter(day=TODAY, finished_at__isnull=False).count() == 1


async def test_a_day_left_unfinished_by_a_dead_worker_is_taken_over_after_its_lease(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    sc, box, _, senders = await _reminding(factory, smtp, gateway)
    invoice = await _invoice(factory, sc, 7)
    # given a worker that claimed the day and queued the reminder, then died
    assert await reminders.claim_day(sc.s.school.id, TODAY)
    await reminders.queue_school(sc.s.school.id, TODAY)
    # then another worker leaves the day alone while the claim is fresh
    assert await reminders.run_reminders(TODAY, senders=senders) == 0
    # and takes it over once the lease has passed, sending the reminder once
    stale = (await ReminderDay.get(school_id=sc.s.school.id, day=TODAY)).claimed_at - (
        reminders.DAY_LEASE * 2
    )
    await ReminderDay.filter(school_id=sc.s.school.id).update(claimed_at=stale)
    assert await reminders.run_reminders(TODAY, senders=senders) == 1
    assert await reminders.run_reminders(TODAY, senders=senders) == 0
    assert [m["Subject"].split()[2] for m in box.messages] == [invoice.number]


async def test_an_invoice_paid_between_queueing_and_sending_is_not_reminded(
    factory: Factory, smtp: tuple[Mailbox, str], gateway: tuple[Gateway, str]
) -> None:
    sc, box, _, senders = await _reminding(factory, smtp, gateway)
    invoice = await _invoice(factory, sc, 7)
    await reminders.queue_school(sc.s.school.id, TODAY)
    await record_payment(
        sc.finance.caller, invoice.id, amount=Decimal("19500.50"), paid_on=TODAY, method="Cash"
    )
    assert await reminders.deliver_school(sc.s.school.id, senders=senders) == 0
    assert box.messages == []
    row = await ReminderDelivery.get(invoice_id=invoice.id)
    assert row.status == DeliveryStatus.FAILED and row.sent_at is None
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.PAID


async def test_set_policy_checks_every_stage_roles_and_tenancy(factory: Factory) -> None:
    sc = await _school(factory)

    async def refused(actor: Actor, stages: list[Stage], school_id: int | None) -> list[object]:
        with pytest.raises(DomainError) as caught:
            await set_reminder_policy(actor.caller, school_id, stages)
        return [(p.code, p.field) for p in caught.value.problems]

    school_id = sc.s.school.id
    assert await refused(sc.stranger, POLICY, school_id) == [(ErrorCode.NOT_FOUND, ("schoolId",))]
    assert (await refused(sc.viewer, POLICY, school_id))[0][0] == ErrorCode.PERMISSION_DENIED
    bad = [Stage(0, (EMAIL,)), Stage(7, ()), Stage(7, (SMS,)), Stage(400, (SMS,))]
    assert await refused(sc.finance, bad, school_id) == [
        (ErrorCode.INVALID_INPUT, ("stages", "0", "daysAfterDue")),
        (ErrorCode.INVALID_INPUT, ("stages", "1", "channels")),
        (ErrorCode.INVALID_INPUT, ("stages", "2", "daysAfterDue")),
        (ErrorCode.INVALID_INPUT, ("stages", "3", "daysAfterDue")),
    ]
    assert not await ReminderStage.all().exists()
    assert not await AuditEvent.filter(action=AuditAction.SET_REMINDER_POLICY).exists()


POLICY_QUERY = """
mutation($input: SetReminderPolicyInput!) {
  setReminderPolicy(input: $input) {
    school { id reminderPolicy { stages { daysAfterDue channels } } }
    errors { code field }
  }
}"""
REMINDERS = "query($id: ID!) { node(id: $id) { ... on Invoice { reminders { stage channel status sentAt } } } }"


async def test_the_api_sets_reads_and_turns_off_the_policy_and_lists_reminders(
    factory: Factory,
    gql: GraphQLClient,
    smtp: tuple[Mailbox, str],
    gateway: tuple[Gateway, str],
) -> None:
    sc = await _school(factory)
    gid = encode_id("School", sc.s.school.id)
    stages = [
        {"daysAfterDue": 30, "channels": ["EMAIL", "SMS"]},
        {"daysAfterDue": 7, "channels": ["EMAIL"]},
    ]
    body = await gql(POLICY_QUERY, {"input": {"schoolId": gid, "stages": stages}}, sc.finance.token)
    answer = body["data"]["setReminderPolicy"]
    assert answer["errors"] == []
    assert answer["school"]["reminderPolicy"]["stages"] == [
        {"daysAfterDue": 7, "channels": ["EMAIL"]},
        {"daysAfterDue": 30, "channels": ["EMAIL", "SMS"]},
    ]
    invoice = await _invoice(factory, sc, 30)
    await reminders.run_reminders(TODAY, senders=_senders(smtp, gateway))
    body = await gql(REMINDERS, {"id": encode_id("Invoice", invoice.id)}, sc.viewer.token)
    listed = body["data"]["node"]["reminders"]
    assert [(r["stage"], r["channel"], r["status"]) for r in listed] == [
        (30, "EMAIL", "SENT"),
        (30, "SMS", "SENT"),
    ]
    assert all(r["sentAt"] for r in listed)
    body = await gql(POLICY_QUERY, {"input": {"schoolId": gid, "stages": []}}, sc.finance.token)
    assert body["data"]["setReminderPolicy"]["school"]["reminderPolicy"] is None
    body = await gql(POLICY_QUERY, {"input": {"schoolId": gid, "stages": []}}, sc.viewer.token)
    assert body["data"]["setReminderPolicy"]["errors"][0]["code"] == "PERMISSION_DENIED"
