"""Every billingRunUpdated subscription completes, and leaves nothing behind.

With REDIS_URL set, a subscription to a finished run used to yield the run and then hang
for good: its generator, closing its Redis pub/sub while a pump task was being cancelled
inside `listen()`, never returned, so no `complete` went out and each subscription kept a
Redis connection and a task. Here 200 subscriptions in a row (to finished runs, and to
runs followed from DRAFT through confirm to COMPLETED) must each complete within a second
of the run's final status, and afterwards Redis' CLIENT LIST and the server's asyncio tasks
must be back to what they were. The server runs in this test's loop (uvicorn in-process,
its workers on the Redis broker or embedded), so its tasks can be counted; Redis is the
test's own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import redis
import websockets

from adapters.redis_events import CLIENT_NAME
from api.ids import encode_id
from domain.billing.scope import ScopeSpec
from domain.models import BillingRun, ScopeKind, Student
from tests.billing_helpers import bill, new_run
from tests.factories import Factory
from tests.servers import serve_app, ws_url
from tests.world import World, build_world

pytestmark = [pytest.mark.faults]

WATCH = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) { status } }"""
CONFIRM = """mutation($i: ConfirmBillingRunInput!) {
  confirmBillingRun(input: $i) { errors { code } } }"""
PREVIEW = """mutation($i: PreviewBillingRunInput!) {
  previewBillingRun(input: $i) { errors { code } } }"""

#: Subscriptions to finished runs, then subscriptions followed from DRAFT to COMPLETED.
FINISHED_CYCLES = 100
RUNNING_CYCLES = 100
#: Seconds between a run's final status and the subscription's `complete`.
COMPLETE_LIMIT = 1.0
#: Seconds any one subscription may last at all (a hang fails fast, not after minutes).
CYCLE_LIMIT = 10.0
#: Connections dramatiq's Redis pool may open beyond those of the warm-up: one per thread
#: that may use it at once (2 worker threads, 2 consumers, the server's enqueue).
QUEUE_POOL_GROWTH = 5
#: Seconds the server is given to settle back to its starting connections and tasks.
SETTLE_LIMIT = 10.0


class Following:
    """One subscription over a real WebSocket: the statuses seen and when it completed."""

    def __init__(self, base: str, token: str, run_id: int) -> None:
        self.base = base
        self.token = token
        self.run_id = encode_id("BillingRun", run_id)
        self.statuses: list[str] = []
        self.subscribed = asyncio.Event()
        self.completed_at: datetime | None = None
        self.final_seen = 0.0
        self.completed = 0.0

    async def run(self) -> None:
        async with asyncio.timeout(CYCLE_LIMIT):
            await self._follow()

    async def _follow(self) -> None:
        async with websockets.connect(
            ws_url(self.base), subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            auth = {"Authorization": f"Bearer {self.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": WATCH, "variables": {"id": self.run_id}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "next":
                    assert "errors" not in message["payload"], message
                    status = message["payload"]["data"]["billingRunUpdated"]["status"]
                    self.statuses.append(status)
                    self.subscribed.set()
                    self.final_seen = time.monotonic()
                elif message["type"] == "complete":
                    self.completed = time.monotonic()
                    self.completed_at = datetime.now(UTC)
                    return
                elif message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                else:
                    raise AssertionError(message)


def only(student: Student) -> ScopeSpec:
    return ScopeSpec(ScopeKind.MANUAL, student_ids=[student.id])


@dataclass(frozen=True)
class Counts:
    """Redis clients of the run events (subscriptions, publishers), all Redis clients, and the
    tasks of this loop (the server's and the test's)."""

    event_clients: int
    clients: int
    tasks: int

    def back_to(self, start: Counts) -> bool:
        # The queue's own connections (dramatiq's pool) may grow up to its thread count,
        # once, whatever the number of subscriptions: they are allowed that much, no more.
        return (
            self.event_clients <= start.event_clients
            and self.clients <= start.clients + QUEUE_POOL_GROWTH
            and self.tasks <= start.tasks
        )


def counts(url: str | None) -> Counts:
    if url is None:
        return Counts(0, 0, len(asyncio.all_tasks()))
    client = redis.Redis.from_url(url)
    try:
        clients = client.client_list()
    finally:
        client.close()
    events = sum(1 for c in clients if c.get("name") == CLIENT_NAME)
    return Counts(events, len(clients), len(asyncio.all_tasks()))


async def settled(url: str | None, start: Counts) -> Counts:
    """The counts once back to `start` (or as they are when SETTLE_LIMIT has passed)."""
    deadline = time.monotonic() + SETTLE_LIMIT
    while True:
        now = counts(url)
        if now.back_to(start) or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.1)


@pytest.fixture(params=["redis", "embedded"])
async def served(
    request: pytest.FixtureRequest, pg: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, str | None]]:
    """The app in this loop, its workers in-process: on the test's Redis, or embedded."""
    from api.app import create_app
    from domain.settings import get_settings

    url: str | None = request.getfixturevalue("redis_url") if request.param == "redis" else None
    monkeypatch.setattr(get_settings(), "redis_url", url)
    monkeypatch.setattr(get_settings(), "billing_chunk_size", 50)
    async with serve_app(create_app(manage_db=False, run_workers=True)) as base:
        yield base, url


async def follow_finished(base: str, w: World, run_id: int) -> None:
    following = Following(base, w.finance.token, run_id)
    started = time.monotonic()
    await following.run()
    assert following.statuses == ["COMPLETED"]
    assert following.completed - started < COMPLETE_LIMIT, following.completed - started


async def follow_running(base: str, http: httpx.AsyncClient, w: World, student: Student) -> None:
    run = await new_run(w.finance, w.s, only(student))
    ids = {"i": {"billingRunId": encode_id("BillingRun", run.id)}}
    assert (await http.post("/graphql", json={"query": PREVIEW, "variables": ids})).is_success
    following = Following(base, w.finance.token, run.id)
    watcher = asyncio.create_task(following.run())
    await asyncio.wait_for(following.subscribed.wait(), CYCLE_LIMIT)
    confirmed = await http.post("/graphql", json={"query": CONFIRM, "variables": ids})
    assert confirmed.json()["data"]["confirmBillingRun"]["errors"] == [], confirmed.text
    await watcher
    done = await BillingRun.get(pk=run.id)
    assert following.statuses[0] == "DRAFT" and following.statuses[-1] == "COMPLETED"
    assert done.completed_at is not None and following.completed_at is not None
    late = (following.completed_at - done.completed_at).total_seconds()
    assert late < COMPLETE_LIMIT, late
    assert following.completed - following.final_seen < COMPLETE_LIMIT


async def test_two_hundred_subscriptions_complete_and_leave_nothing_behind(
    served: tuple[str, str | None], factory: Factory
) -> None:
    base, url = served
    # given finished runs and students left to bill one at a time
    w = await build_world(factory, students=RUNNING_CYCLES + 3, bulk=True)
    students = await Student.filter(school_id=w.s.school.id).order_by("id")
    finished = [
        await bill(w.finance, await new_run(w.finance, w.s, only(student)))
        for student in students[:3]
    ]
    headers = {"Authorization": f"Bearer {w.finance.token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=CYCLE_LIMIT) as http:
        # one of each first, so that the lazily opened pools count in the start figures
        await follow_finished(base, w, finished[0].id)
        await follow_running(base, http, w, students[3])
        await asyncio.sleep(0.5)
        start = counts(url)
        # when 200 subscriptions run one after the other
        for n in range(FINISHED_CYCLES):
            await follow_finished(base, w, finished[n % len(finished)].id)
        for student in students[4:]:
            await follow_running(base, http, w, student)
        await follow_finished(base, w, finished[1].id)
        # then every one completed in time, and the connections and tasks are as they were
        end = await settled(url, start)
        assert end.back_to(start), (start, end)
        if url is not None:
            assert start.event_clients >= 1  # the publisher's connection, at least


async def test_confirm_shows_processing_to_subscribers_at_once_over_redis(
    pg: str, redis_url: str, monkeypatch: pytest.MonkeyPatch, factory: Factory
) -> None:
    from api.app import create_app
    from domain.settings import get_settings

    # given a server on Redis with no worker (so the run stays PROCESSING once confirmed)
    monkeypatch.setattr(get_settings(), "redis_url", redis_url)
    w = await build_world(factory, students=3, bulk=True)
    run = await new_run(w.finance, w.s)
    ids = {"i": {"billingRunId": encode_id("BillingRun", run.id)}}
    headers = {"Authorization": f"Bearer {w.finance.token}"}
    async with (
        serve_app(create_app(manage_db=False, run_workers=False)) as base,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=CYCLE_LIMIT) as http,
        websockets.connect(
            ws_url(base), subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws,
    ):
        await http.post("/graphql", json={"query": PREVIEW, "variables": ids})
        auth = {"Authorization": f"Bearer {w.finance.token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": WATCH, "variables": {"id": ids["i"]["billingRunId"]}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        first = json.loads(await asyncio.wait_for(ws.recv(), CYCLE_LIMIT))
        assert first["payload"]["data"]["billingRunUpdated"]["status"] == "DRAFT"
        # when the run is confirmed
        confirmed = await http.post("/graphql", json={"query": CONFIRM, "variables": ids})
        assert confirmed.json()["data"]["confirmBillingRun"]["errors"] == []
        heard = time.monotonic()
        # then the subscriber sees PROCESSING at once (not at its next periodic re-read)
        second = json.loads(await asyncio.wait_for(ws.recv(), CYCLE_LIMIT))
        assert second["payload"]["data"]["billingRunUpdated"]["status"] == "PROCESSING"
        assert time.monotonic() - heard < COMPLETE_LIMIT
