"""Fault 5: the server restarts while clients are subscribed to a running run.

The clients (tests/faults/reconnecting_ws.py) reconnect with backoff and subscribe again;
the subscription's first answer is the run as it is now, so they pick up the current
state, then follow the run to COMPLETED. Across the reconnect their progress never goes
back. To be sure the restart falls in the middle of the run, the test holds the school's
invoice counter lock (the first lock every chunk takes) during the restart, so that
progress stands still at a known value; it releases the lock once the clients are back.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from tests.client import WATCH_RUN, local_id
from tests.factories import Factory
from tests.faults.reconnecting_ws import Followed, follow
from tests.faults.support import FaultProcesses, run_state, wait_for
from tests.invariants import assert_exact
from tests.servers import free_port, ws_url
from tests.world import build_world

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

STUDENTS = 3_000
CLIENTS = 3


def run_of(payload: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in payload, payload
    run: dict[str, Any] = payload["data"]["billingRunUpdated"]
    return run


async def test_clients_resubscribe_after_a_server_restart_and_get_the_current_state(
    factory: Factory,
    pg: str,
    procs: FaultProcesses,
) -> None:
    # given a server on a fixed port, one worker, a previewed run and three subscribers
    w = await build_world(factory, students=STUDENTS, bulk=True)
    procs.env.update({"BILLING_CHUNK_SIZE": "250", "BILLING_WORKER_THREADS": "1"})
    port = free_port()
    base = procs.serve("restart-serve-1", port=port)
    server = procs.procs[-1][1]
    procs.start("restart-worker", "worker")
    api = procs.client(base, w.finance.token)
    run_gid = await api.create_run(w.s)
    await api.preview(run_gid)
    run_id = local_id(run_gid)
    clients = [Followed() for _ in range(CLIENTS)]
    tasks = [
        asyncio.create_task(
            follow(ws_url(base), w.finance.token, WATCH_RUN, {"id": run_gid}, into=c)
        )
        for c in clients
    ]
    locker = await asyncpg.connect(pg.replace("postgres://", "postgresql://", 1), timeout=10)
    try:

        async def all_see(status: str, processed: int | None = None, connection: int = 1) -> bool:
            for c in clients:
                if not c.updates or c.updates[-1][0] < connection:
                    return False
                last = run_of(c.updates[-1][1])
                if last["status"] != status:
                    return False
                if processed is not None and last["progress"]["processed"] != processed:
                    return False
            return True

        await wait_for("the subscribers' first DRAFT", lambda: all_see("DRAFT"), limit=30)
        assert (await api.confirm(run_gid))["errors"] == []

        # when the run is under way and its progress is held still
        async def under_way() -> bool:
            return (await run_state(run_id)).items_invoiced >= STUDENTS // 4

        await wait_for("a quarter of the run", under_way, interval=0.05)
        hold = locker.transaction()
        await hold.start()
        await locker.execute("SELECT 1 FROM school WHERE id = $1 FOR UPDATE", w.s.school.id)
        held_at = (await run_state(run_id)).items_invoiced
        assert 0 < held_at < STUDENTS
        await wait_for(
            "the subscribers to see the held progress",
            lambda: all_see("PROCESSING", held_at),
            limit=30,
        )

        # and the server restarts (SIGTERM, then a new process on the same port)
        procs.stop(server)
        procs.serve("restart-serve-2", port=port)

        # then every client reconnects and gets the current state, still PROCESSING
        await wait_for(
            "the subscribers to come back with the current state",
            lambda: all_see("PROCESSING", held_at, connection=2),
            limit=30,
        )
        # and, once the run goes on, follows it to COMPLETED
        await hold.rollback()
        followed = await asyncio.wait_for(asyncio.gather(*tasks), 120)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await locker.close()

    await assert_exact(w.s.school.id, [run_id])
    for n, seen in enumerate(followed):
        assert seen.completed and seen.connections >= 2, (n, seen.connections, seen.drops)
        runs = [run_of(p) for _, p in seen.updates]
        assert runs[0]["status"] == "DRAFT" and runs[-1]["status"] == "COMPLETED", runs
        progress = [r["progress"]["processed"] for r in runs]
        assert progress == sorted(progress), (n, progress)
        assert progress[-1] == STUDENTS
        # the first answer on the new connection is the state as it stood
        resumed = next(run_of(p) for conn, p in seen.updates if conn == 2)
        assert (resumed["status"], resumed["progress"]["processed"]) == ("PROCESSING", held_at)
