"""Fault 3: the worker's database connections terminated mid-chunk (pg_terminate_backend).

A chunk is one transaction, so a terminated connection rolls back whatever the chunk had
written (invoices, lines, the school's counter); the actor fails, dramatiq's Retries
middleware sends the message again (max_retries=25, backoff from 250 ms), and the worker's
connection pool replaces the dead connection. The run must complete exactly: counts,
sums, gap-free numbers.

Two kinds of kill: (1) connections terminated while busy inside a chunk's transaction,
at random points of a running run; (2) a deterministic one: the test locks a pending item
of the run's last chunk, so that chunk stops at its item update, after it has inserted its
invoices and lines and advanced the school's counter; every worker connection is then
terminated and the lock released.

Only backends of the test's own database whose application_name is the worker's are
terminated (the worker's DATABASE_URL carries `?application_name=...`).
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.client import local_id
from tests.factories import Factory
from tests.faults.support import FaultProcesses, db_name, run_state, wait_for, with_app_name
from tests.invariants import assert_exact
from tests.world import build_world

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

STUDENTS = 6_000
APP = "billing-faults-worker"
#: Random kills inside running chunks before the deterministic one.
RANDOM_KILLS = 3

WORKER_BACKENDS = """SELECT pid, state, wait_event_type, query, xact_start IS NOT NULL AS in_tx
FROM pg_stat_activity WHERE datname = $1 AND application_name = $2"""
TERMINATE = """SELECT pid, pg_terminate_backend(pid) AS done FROM pg_stat_activity
WHERE datname = $1 AND application_name = $2 AND ($3::int IS NULL OR pid = $3)"""


async def test_worker_connections_terminated_mid_chunk_roll_back_and_retry(
    factory: Factory,
    pg: str,
    procs: FaultProcesses,
) -> None:
    # given a server, and a worker whose connections carry an application_name
    w = await build_world(factory, students=STUDENTS, bulk=True)
    procs.env.update({"BILLING_CHUNK_SIZE": "500", "BILLING_WORKER_THREADS": "2"})
    api = procs.client(procs.serve("pgkill-serve"), w.finance.token)
    worker = procs.start("pgkill-worker", "worker", env={"DATABASE_URL": with_app_name(pg, APP)})
    name = db_name(pg)
    admin = await asyncpg.connect(pg.replace("postgres://", "postgresql://", 1), timeout=10)
    locker = await asyncpg.connect(pg.replace("postgres://", "postgresql://", 1), timeout=10)
    try:
        run_gid = await api.create_run(w.s)
        await api.preview(run_gid)
        assert (await api.confirm(run_gid))["errors"] == []
        run_id = local_id(run_gid)

        # and a pending item of the run's last chunk locked by the test
        lock = locker.transaction()
        await lock.start()
        held = await locker.fetchrow(
            """SELECT id, chunk FROM billing_run_item WHERE run_id = $1 AND status = 'PENDING'
            ORDER BY chunk DESC, id LIMIT 1 FOR UPDATE""",
            run_id,
        )
        assert held is not None and held["chunk"] == STUDENTS // 500 - 1, held

        # when worker connections are terminated while busy inside chunks
        random_kills = 0
        for _ in range(200):  # 200 x 20 ms at most
            if random_kills >= RANDOM_KILLS:
                break
            busy = [
                r["pid"]
                for r in await admin.fetch(WORKER_BACKENDS, name, APP)
                if r["in_tx"] and r["state"] == "active" and r["wait_event_type"] != "Lock"
            ]
            if busy:
                killed = await admin.fetch(TERMINATE, name, APP, busy[0])
                random_kills += sum(1 for k in killed if k["done"])
                await asyncio.sleep(0.3)  # let the pool and the retries recover a little
            else:
                await asyncio.sleep(0.02)
        assert random_kills >= 1, "no worker connection was caught inside a chunk"

        # and, once the last chunk waits on the locked item with its invoices written,
        async def stopped_after_writing() -> bool:
            return any(
                r["wait_event_type"] == "Lock" and "UPDATE billing_run_item" in r["query"]
                for r in await admin.fetch(WORKER_BACKENDS, name, APP)
            )

        await wait_for("the last chunk to reach its item update", stopped_after_writing, limit=60)
        before = await run_state(run_id)
        assert before.status == "PROCESSING"
        # every worker connection is terminated and the lock released
        killed = await admin.fetch(TERMINATE, name, APP, None)
        assert any(k["done"] for k in killed)
        await lock.rollback()

        # then the run completes, exactly, on new connections of the same worker
        async def finished() -> bool:
            return (await run_state(run_id)).status != "PROCESSING"

        await wait_for("the run to complete after the kills", finished, limit=90)
        runs = await assert_exact(w.s.school.id, [run_id])
        assert runs[run_id].items_invoiced == STUDENTS
        assert worker.poll() is None, procs.log_tail("pgkill-worker")
        assert await admin.fetch(WORKER_BACKENDS, name, APP), "the pool did not reconnect"
        print(f"{random_kills} random kills, then {len(killed)} connections at the last chunk")
    finally:
        await locker.close()
        await admin.close()
