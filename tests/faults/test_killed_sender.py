"""A `billing worker` killed with SIGKILL while it sends a run's invoices (sendBillingRunInvoices).

Sending is slowed to 4 e-mails a second so that the kill lands midway. A new worker takes
over: the broker requeues the dead worker's message once its heartbeat is old, the new
worker walks the run again and skips every SENT delivery, and the one delivery the dead
worker held mid-send is retried once its claim's lease (lowered here) has ended. Every
invoice's e-mail arrives; only that one in-flight e-mail may arrive twice (the documented
window of NOTIFY_CLAIM_LEASE_SECONDS).
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest

from api.ids import encode_id
from domain.models import Invoice, Role
from domain.models.notifications import RunNotices
from tests.billing_helpers import bill, new_run, populate
from tests.factories import Factory
from tests.faults.support import FaultProcesses, wait_for
from tests.integration.test_invoice_notices import Mailbox

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

SEND = """mutation($input: SendBillingRunInvoicesInput!) {
  sendBillingRunInvoices(input: $input) { billingRun { id } errors { code } } }"""


async def test_a_worker_killed_while_sending_a_run_is_taken_over_without_resending(
    factory: Factory, procs: FaultProcesses, smtp: tuple[Mailbox, str]
) -> None:
    box, smtp_url = smtp
    account = await factory.account()
    s = await factory.school(account)
    await populate(factory, s, per_class=3)
    admin = await factory.actor(account, Role.ADMIN)
    run = await bill(admin, await new_run(admin, s))
    numbers = sorted(await Invoice.filter(billing_run_id=run.id).values_list("number", flat=True))
    procs.env.update(
        {
            "SMTP_URL": smtp_url,
            "NOTIFY_EMAIL_PER_SECOND": "4",
            "NOTIFY_CLAIM_LEASE_SECONDS": "3",
            "BILLING_HEARTBEAT_TIMEOUT_SECONDS": "2",
            "BILLING_SWEEP_INTERVAL_SECONDS": "1",
        }
    )
    api = procs.client(procs.serve("send-serve"), admin.token)
    first = procs.start("send-worker-0", "worker")
    body = await api(SEND, {"input": {"billingRunId": encode_id("BillingRun", run.id)}})
    assert body["data"]["sendBillingRunInvoices"]["errors"] == [], body
    # when the worker is killed after a few e-mails
    await wait_for("the first e-mails", lambda: _at_least(box, 3))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert len(box.messages) < len(numbers)  # the kill landed midway
    procs.start("send-worker-1", "worker")
    # then the new worker finishes the run
    await wait_for("the sending to finish", lambda: _finished(run.id), limit=120)
    subjects = Counter(m["Subject"].split()[1] for m in box.messages)
    assert sorted(subjects) == numbers  # every invoice's e-mail arrived
    assert sum(subjects.values()) <= len(numbers) + 1, subjects  # at most the in-flight one twice
    notices = await RunNotices.get(run_id=run.id)
    assert (notices.total, notices.sent, notices.failed) == (len(numbers), len(numbers), 0)


async def _at_least(box: Mailbox, n: int) -> bool:
    return len(box.messages) >= n


async def _finished(run_id: int) -> bool:
    row = await RunNotices.get_or_none(run_id=run_id)
    return row is not None and row.finished_at is not None
