"""Sending a run and the daily reminders with the real processes: two `billing worker`s on
PostgreSQL and Redis, and the embedded default (in-process worker); every notice once."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date, timedelta

import pytest

from api.ids import encode_id
from domain.db import conn, is_postgres
from domain.models import Invoice, Role
from domain.models.notifications import DeliveryChannel
from domain.models.reminders import ReminderDay
from domain.reminder_policy import Stage, set_reminder_policy
from domain.settings import get_settings
from tests import services
from tests.billing_helpers import bill, new_run, populate
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet
from tests.integration.test_invoice_notices import Gateway, Mailbox
from tests.servers import BillingProcesses, embedded_app, serve_app

pytestmark = pytest.mark.e2e

TODAY = date(2026, 3, 20)
SEND = """mutation($input: SendBillingRunInvoicesInput!) {
  sendBillingRunInvoices(input: $input) { billingRun { id } errors { code } } }"""
PROGRESS = """query($id: ID!) { node(id: $id) { ... on BillingRun {
  notices { total sent failed noContact finished } } } }"""


async def _world(factory: Factory) -> tuple[SchoolSet, Actor, int, list[Invoice]]:
    """A finished run of a few invoices, and a reminder policy with invoices 7 days past due."""
    account = await factory.account()
    s = await factory.school(account, name="Hillside Academy")
    admin = await factory.actor(account, Role.ADMIN)
    await populate(factory, s, per_class=1)
    run = await bill(admin, await new_run(admin, s, due_date=TODAY + timedelta(days=30)))
    await set_reminder_policy(admin.caller, s.school.id, [Stage(7, (DeliveryChannel.EMAIL,))])
    overdue = [
        await factory.invoice(
            s,
            await factory.student(s.school, s.classes[0]),
            due_date=TODAY - timedelta(days=7),
        )
        for _ in range(3)
    ]
    return s, admin, run.id, overdue


async def _until(check: object, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise AssertionError("not reached in time")


async def _after_reminders_send(base: str, admin: Actor, run_id: int, total: int) -> None:
    """Once the served app has done today's reminders, send the run's invoices through it and
    follow until every notice is sent."""
    await _until(lambda: ReminderDay.filter(day=TODAY, finished_at__isnull=False).exists())
    gql = GraphQLClient.at(base)
    try:
        await _send_and_watch(gql, admin, run_id, total)
    finally:
        await gql.aclose()


async def _send_and_watch(gql: GraphQLClient, admin: Actor, run_id: int, total: int) -> None:
    gid = encode_id("BillingRun", run_id)
    body = await gql(SEND, {"input": {"billingRunId": gid}}, admin.token)
    assert body["data"]["sendBillingRunInvoices"]["errors"] == [], body

    async def finished() -> bool:
        progress = (await gql(PROGRESS, {"id": gid}, admin.token))["data"]["node"]["notices"]
        return bool(progress["finished"])

    await _until(finished)
    progress = (await gql(PROGRESS, {"id": gid}, admin.token))["data"]["node"]["notices"]
    assert progress == {
        "total": total,
        "sent": total,
        "failed": 0,
        "noContact": 0,
        "finished": True,
    }


def _counts(box: Mailbox) -> dict[str, int]:
    subjects = [" ".join(m["Subject"].split()) for m in box.messages]
    return {s: subjects.count(s) for s in subjects}


async def test_two_worker_processes_send_a_run_and_the_days_reminders_once(
    db: str,
    factory: Factory,
    smtp: tuple[Mailbox, str],
    gateway: tuple[Gateway, str],
) -> None:
    if not is_postgres(conn()):
        pytest.skip("the production shape needs PostgreSQL")
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    box, smtp_url = smtp
    gw, gw_url = gateway
    s, admin, run_id, overdue = await _world(factory)
    billed = await Invoice.filter(billing_run_id=run_id).count()
    redis_url = os.environ.get("BILLING_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
    env = {
        "SMTP_URL": smtp_url,
        "SMS_GATEWAY_URL": gw_url,
        "BILLING_REMINDERS_TODAY": TODAY.isoformat(),
        "BILLING_SWEEP_INTERVAL_SECONDS": "0.5",
    }
    with BillingProcesses(database_url=db, redis_url=redis_url, env=env) as procs:
        base = procs.serve("serve-sending")
        procs.worker("worker-sending-1")
        procs.worker("worker-sending-2")
        # the daily job: both workers fire it every 0.5 s; the school's day is done once
        await _after_reminders_send(base, admin, run_id, billed)
        await asyncio.sleep(2)  # more intervals pass: nothing more goes out
    counts = _counts(box)
    assert set(counts.values()) == {1}, counts
    reminded = [s for s in counts if s.startswith("Reminder:")]
    assert sorted(s.split()[2] for s in reminded) == sorted(i.number for i in overdue)
    assert len(counts) == len(overdue) + billed
    assert len(gw.received) == billed
    assert await ReminderDay.filter(school_id=s.school.id).count() == 1


async def test_the_embedded_default_sends_a_run_and_the_days_reminders_once(
    db: str,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    smtp: tuple[Mailbox, str],
    gateway: tuple[Gateway, str],
) -> None:
    box, smtp_url = smtp
    gw, gw_url = gateway
    _, admin, run_id, overdue = await _world(factory)
    billed = await Invoice.filter(billing_run_id=run_id).count()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_url", smtp_url)
    monkeypatch.setattr(settings, "sms_gateway_url", gw_url)
    monkeypatch.setattr(settings, "billing_reminders_today", TODAY)
    monkeypatch.setattr(settings, "billing_sweep_interval_seconds", 0.5)
    app = embedded_app(monkeypatch)
    async with serve_app(app) as base:
        await _after_reminders_send(base, admin, run_id, billed)
        await asyncio.sleep(1.5)
    counts = _counts(box)
    assert set(counts.values()) == {1}, counts
    assert len(counts) == len(overdue) + billed
    assert len(gw.received) == billed
