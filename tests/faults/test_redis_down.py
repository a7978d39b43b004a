"""Fault 2: Redis is down when `confirmBillingRun` is called.

The chosen behaviour: confirm does not depend on Redis. The run is committed PROCESSING with
its students frozen, the mutation answers 200 with no error, and the failed enqueue is
logged and left to the sweeper. While Redis is down nothing is generated (the run stays
PROCESSING at 0) and /readyz answers 503 naming Redis. Once Redis is back (here: empty,
as after a restart without persistence) the workers reconnect, the sweeper finds the run
idle for BILLING_SWEEP_IDLE_SECONDS and enqueues its pending chunks, and the run completes.

A subscriber never hangs and never lies: without events (the pub/sub stream died with
Redis) it re-reads the run from the database every 2 seconds, so it sees PROCESSING while
Redis is down and ends with COMPLETED, in bounded time, whether it subscribed before Redis
stopped or while it was down.

This test stops only its own redis-server, never the machine's.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.client import WATCH_RUN, local_id
from tests.factories import Factory
from tests.faults.support import FaultProcesses, OwnRedis, run_state, wait_for
from tests.invariants import assert_exact
from tests.servers import ws_url
from tests.world import build_world
from tests.ws_client import subscribe

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

STUDENTS = 2_000
SETTINGS = {
    "BILLING_HEARTBEAT_TIMEOUT_SECONDS": "2",
    "BILLING_SWEEP_IDLE_SECONDS": "3",
    "BILLING_SWEEP_INTERVAL_SECONDS": "1",
    "BILLING_CHUNK_SIZE": "250",
}
#: Seconds Redis stays down after the confirm.
DOWN_SECONDS = 4.0
#: Seconds a subscriber may take, from its start to the run's completion.
WATCH_LIMIT = 90.0


def statuses(updates: list[dict[str, Any]]) -> list[str]:
    assert all("errors" not in u for u in updates), updates
    return [u["data"]["billingRunUpdated"]["status"] for u in updates]


def processed(updates: list[dict[str, Any]]) -> list[int]:
    return [u["data"]["billingRunUpdated"]["progress"]["processed"] for u in updates]


async def test_confirm_while_redis_is_down_commits_and_completes_once_redis_returns(
    factory: Factory,
    own_redis: OwnRedis,
    procs: FaultProcesses,
) -> None:
    # given a server and a worker on a Redis of the test's own, and a previewed run
    assert procs.env["REDIS_URL"] == own_redis.url
    w = await build_world(factory, students=STUDENTS, bulk=True)
    procs.env.update(SETTINGS)
    base = procs.serve("redis-down-serve")
    procs.start("redis-down-worker", "worker")
    api = procs.client(base, w.finance.token)
    run_gid = await api.create_run(w.s)
    assert (await api.preview(run_gid))[0] == STUDENTS
    run_id = local_id(run_gid)
    url = ws_url(base)
    early = asyncio.create_task(
        subscribe(url, w.finance.token, WATCH_RUN, {"id": run_gid}, limit_seconds=WATCH_LIMIT)
    )
    await asyncio.sleep(0.5)  # subscribed (the first DRAFT is on its way) while Redis is up

    # when Redis stops and the run is confirmed
    own_redis.stop()
    late = asyncio.create_task(
        subscribe(url, w.finance.token, WATCH_RUN, {"id": run_gid}, limit_seconds=WATCH_LIMIT)
    )
    asked = time.monotonic()
    response = await api.post(
        """mutation($i: ConfirmBillingRunInput!) { confirmBillingRun(input: $i) {
            billingRun { status } errors { code message } } }""",
        {"i": {"billingRunId": run_gid}},
    )
    answered_in = time.monotonic() - asked

    # then the mutation answers at once, without error: the run is committed PROCESSING
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["confirmBillingRun"] == {
        "billingRun": {"status": "PROCESSING"},
        "errors": [],
    }
    assert answered_in < 10, f"confirm took {answered_in:.1f}s with Redis down"
    # and the server says plainly that it is not ready, and nothing is generated meanwhile
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["redis"] == "error"
        assert (await client.get("/healthz")).status_code == 200
    await asyncio.sleep(DOWN_SECONDS)
    stuck = await run_state(run_id)
    assert (stuck.status, stuck.items_invoiced) == ("PROCESSING", 0)
    assert not early.done() and not late.done()

    # when Redis comes back, empty
    own_redis.start()

    # then the sweeper enqueues the run and it completes, exactly
    async def finished() -> bool:
        return (await run_state(run_id)).status != "PROCESSING"

    await wait_for("the run to complete after Redis returned", finished, limit=60)
    await assert_exact(w.s.school.id, [run_id])
    # and both subscribers saw the truth and completed with COMPLETED, in bounded time
    for name, task in (("subscribed before", early), ("subscribed while down", late)):
        updates = await asyncio.wait_for(task, WATCH_LIMIT)
        seen = statuses(updates)
        assert seen[-1] == "COMPLETED", (name, seen)
        assert "PROCESSING" in seen, (name, seen)
        assert set(seen) <= {"DRAFT", "PROCESSING", "COMPLETED"}, (name, seen)
        progress = processed(updates)
        assert progress == sorted(progress) and progress[-1] == STUDENTS, (name, progress)
    assert statuses(early.result())[0] == "DRAFT"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        assert (await client.get("/readyz")).status_code == 200
    # and the server logged the failed enqueue rather than failing the request
    assert "the sweeper will pick it up" in procs.log("redis-down-serve")
