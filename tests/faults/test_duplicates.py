"""Fault 4: the same work asked for many times. One generation, never a duplicate invoice.

- Fifty simultaneous `confirmBillingRun` calls over HTTP: every caller is answered without
  error, the run moves DRAFT -> PROCESSING once (the conditional update), its students
  are frozen once, and the chunks are enqueued once (counted in Redis before any worker
  runs).
- Two overlapping runs (one grade, and all students) confirmed together: both freeze the
  grade's students; under the school's lock the first chunk to reach a student invoices
  them and the other marks them SKIPPED; every student ends with one live invoice.
- One chunk message delivered three times (the same dramatiq message enqueued three
  times, as a redelivery would): the chunk is generated once; the other two deliveries
  find nothing pending and change nothing.
"""

from __future__ import annotations

import asyncio
import functools

import pytest
import redis

from api.ids import encode_id
from domain.models import BillingRunItem, Invoice
from tests.billing_helpers import confirmed
from tests.client import CONFIRM_RUN, local_id
from tests.factories import Factory
from tests.faults.support import FaultProcesses, run_state, wait_for
from tests.invariants import assert_exact
from tests.world import build_world
from workers.broker import QUEUE

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

QUEUE_KEY = f"dramatiq:{QUEUE}"


def queued(redis_url: str) -> int:
    """Messages waiting in the billing queue (not yet fetched by a worker)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.llen(QUEUE_KEY))
    finally:
        client.close()


def unacked(redis_url: str) -> int:
    """Messages enqueued and not yet acknowledged (their data is kept until the ack)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.hlen(f"{QUEUE_KEY}.msgs"))
    finally:
        client.close()


async def finished(run_id: int) -> bool:
    return (await run_state(run_id)).status != "PROCESSING"


async def test_fifty_simultaneous_confirms_confirm_and_enqueue_once(
    factory: Factory,
    redis_url: str,
    procs: FaultProcesses,
) -> None:
    # given a previewed run of 3,000 students (6 chunks) and no worker yet
    w = await build_world(factory, students=3_000, bulk=True)
    procs.env["BILLING_CHUNK_SIZE"] = "500"
    api = procs.client(procs.serve("confirm50-serve"), w.finance.token)
    run_gid = await api.create_run(w.s)
    assert (await api.preview(run_gid))[0] == 3_000
    run_id = local_id(run_gid)

    # when fifty clients confirm it at the same time
    responses = await asyncio.gather(
        *(api.post(CONFIRM_RUN, {"i": {"billingRunId": run_gid}}) for _ in range(50))
    )

    # then every one is answered without error, with the run PROCESSING
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload = body["data"]["confirmBillingRun"]
        assert payload["errors"] == [], payload
        assert payload["billingRun"]["status"] == "PROCESSING"
    # and the students were frozen once and the chunks enqueued once
    assert await BillingRunItem.filter(run_id=run_id).count() == 3_000
    run = await run_state(run_id)
    assert (run.items_total, run.chunk_count) == (3_000, 6)
    assert queued(redis_url) == 6

    # when a worker runs, then the run is generated once, exactly
    procs.start("confirm50-worker", "worker")
    await wait_for("the run to finish", lambda: finished(run_id), limit=90)
    runs = await assert_exact(w.s.school.id, [run_id])
    assert runs[run_id].items_invoiced == 3_000


async def test_two_overlapping_runs_confirmed_together_bill_each_student_once(
    factory: Factory,
    procs: FaultProcesses,
) -> None:
    # given 2,000 students (half in the first grade), a run of that grade and one of all
    w = await build_world(factory, students=2_000, bulk=True)
    procs.env["BILLING_CHUNK_SIZE"] = "250"
    api = procs.client(procs.serve("overlap-serve"), w.finance.token)
    grade = encode_id("Grade", w.s.grades[0].id)
    grade_run = await api.create_run(w.s, {"kind": "GRADE", "gradeId": grade})
    all_run = await api.create_run(w.s)
    assert (await api.preview(grade_run))[0] == 1_000
    assert (await api.preview(all_run))[0] == 2_000

    # when both are confirmed at the same time, and only then a worker runs
    confirmed = await asyncio.gather(api.confirm(grade_run), api.confirm(all_run))
    assert all(c["errors"] == [] for c in confirmed), confirmed
    procs.start("overlap-worker", "worker")
    ids = [local_id(grade_run), local_id(all_run)]
    for run_id in ids:
        await wait_for("both runs to finish", functools.partial(finished, run_id), limit=90)

    # then every student holds exactly one live invoice, from one run or the other
    runs = await assert_exact(w.s.school.id, ids)
    assert await Invoice.filter(school_id=w.s.school.id).count() == 2_000
    assert sum(r.items_invoiced for r in runs.values()) == 2_000
    # and the students both runs froze were skipped by the run that came second
    assert sum(r.items_skipped for r in runs.values()) == 1_000
    assert [r.items_total for r in runs.values()] == [1_000, 2_000]


async def test_one_chunk_message_delivered_three_times_generates_once(
    factory: Factory,
    redis_url: str,
    procs: FaultProcesses,
) -> None:
    # given a confirmed one-chunk run of 300 students whose message was not sent
    w = await build_world(factory, students=300, bulk=True)
    run, recorder = await confirmed(w.finance, w.s)
    assert recorder.sent == [(run.id, 0)]

    # when the same generate_chunk message is enqueued three times, then a worker runs
    from dramatiq.brokers.redis import RedisBroker

    from workers.actors import generate_chunk

    broker = RedisBroker(url=redis_url)
    try:
        broker.declare_queue(QUEUE)
        message = generate_chunk.message(run.id, 0)
        for _ in range(3):
            broker.enqueue(message)
    finally:
        broker.close()
    assert queued(redis_url) == 3
    procs.start("triple-worker", "worker")
    await wait_for("the run to finish", lambda: finished(run.id), limit=60)

    async def all_delivered() -> bool:
        return await asyncio.to_thread(unacked, redis_url) == 0

    await wait_for("the three deliveries to be processed", all_delivered, limit=30)

    # then the chunk was generated once, and no invoice is duplicated
    runs = await assert_exact(w.s.school.id, [run.id])
    assert runs[run.id].items_invoiced == 300
    assert await Invoice.filter(billing_run_id=run.id).count() == 300
    log = procs.log("triple-worker")
    assert log.count('"message": "chunk done"') == 1, log[-2000:]
