"""Fault 1: a `billing worker` killed with SIGKILL at about 30% of a 20,000-student run.

A new worker is started at once. Its broker requeues the dead worker's unacknowledged
messages once the dead one's heartbeat is older than BILLING_HEARTBEAT_TIMEOUT_SECONDS, and
its sweeper re-enqueues the pending chunks of a run idle for BILLING_SWEEP_IDLE_SECONDS;
both are lowered here so that recovery takes seconds, not minutes. Whatever the dead worker
had half done rolled back with its connection. The run must end COMPLETED with every
student invoiced exactly once, the run's counters equal to its invoices (count and sum),
and the school's numbers gap-free. Three rounds in a row, each killing the worker that the
previous round started.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from domain.models import Term
from tests.client import local_id
from tests.factories import Factory
from tests.faults.support import FaultProcesses, run_state, wait_for
from tests.invariants import assert_exact
from tests.world import build_world

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

STUDENTS = 20_000
ROUNDS = 3
FAST_RECOVERY = {
    "BILLING_HEARTBEAT_TIMEOUT_SECONDS": "2",
    "BILLING_SWEEP_IDLE_SECONDS": "3",
    "BILLING_SWEEP_INTERVAL_SECONDS": "1",
    "BILLING_CHUNK_SIZE": "500",
    "BILLING_WORKER_THREADS": "2",
}


async def test_worker_killed_at_30_percent_three_times_in_a_row(
    factory: Factory, procs: FaultProcesses
) -> None:
    # given a school of 20,000 students, a server and a worker that recover fast
    w = await build_world(factory, students=STUDENTS, bulk=True)
    procs.env.update(FAST_RECOVERY)
    api = procs.client(procs.serve("kill-serve"), w.finance.token)
    worker = procs.start("kill-worker-0", "worker")
    run_ids: list[int] = []
    for n in range(1, ROUNDS + 1):
        # a new term each round, so that every round bills all 20,000 students again
        term = await Term.create(
            school_id=w.s.school.id,
            name=f"Fault term {n}",
            start_date=date(2026, 1, 5),
            end_date=date(2026, 4, 3),
        )
        run_gid = await api.create_run(w.s, term_id=term.id)
        count, _ = await api.preview(run_gid)
        assert count == STUDENTS
        confirmed = await api.confirm(run_gid)
        assert confirmed["errors"] == [] and confirmed["billingRun"]["status"] == "PROCESSING"
        run_id = local_id(run_gid)
        run_ids.append(run_id)

        # when the worker is killed (SIGKILL) once about 30% of the run is invoiced
        async def at_30_percent(run_id: int = run_id) -> bool:
            return (await run_state(run_id)).items_invoiced >= STUDENTS * 3 // 10

        await wait_for(f"round {n}: 30% of the run", at_30_percent, interval=0.05)
        procs.stop(worker, kill=True)
        assert worker.returncode == -9
        killed_at = await run_state(run_id)
        assert killed_at.status == "PROCESSING", f"round {n}: finished before the kill"
        assert killed_at.items_invoiced < STUDENTS

        # and a new worker is started
        started = time.monotonic()
        worker = procs.start(f"kill-worker-{n}", "worker")

        async def finished(run_id: int = run_id) -> bool:
            return (await run_state(run_id)).status != "PROCESSING"

        await wait_for(f"round {n}: the run to finish after the kill", finished, limit=150)
        recovered_in = time.monotonic() - started

        # then every student is invoiced exactly once for the term, and the run is exact
        runs = await assert_exact(w.s.school.id, run_ids)
        assert runs[run_id].items_invoiced == STUDENTS, (n, runs[run_id].items_invoiced)
        assert runs[run_id].items_skipped == 0
        print(
            f"round {n}: killed at {killed_at.items_invoiced}/{STUDENTS}, "
            f"finished {recovered_in:.1f}s after the new worker started"
        )


async def test_broker_alone_requeues_a_killed_workers_messages(
    factory: Factory, procs: FaultProcesses
) -> None:
    """The sweeper is the last resort; the broker's heartbeat is the first. With the sweeper
    out of play (an hour of idle time), a killed worker's unacknowledged messages must come
    back from the broker alone, within seconds of its heartbeat timeout."""
    # given a 4,000-student run, a worker, and a sweeper that would wait an hour
    w = await build_world(factory, students=4_000, bulk=True)
    procs.env.update(
        {**FAST_RECOVERY, "BILLING_SWEEP_IDLE_SECONDS": "3600", "BILLING_CHUNK_SIZE": "250"}
    )
    api = procs.client(procs.serve("heartbeat-serve"), w.finance.token)
    worker = procs.start("heartbeat-worker-0", "worker")
    run_gid = await api.create_run(w.s)
    await api.preview(run_gid)
    assert (await api.confirm(run_gid))["errors"] == []
    run_id = local_id(run_gid)

    # when the worker is killed at about 30% and a new one is started
    async def at_30_percent() -> bool:
        return (await run_state(run_id)).items_invoiced >= 1_200

    await wait_for("30% of the run", at_30_percent, interval=0.05)
    procs.stop(worker, kill=True)
    assert (await run_state(run_id)).status == "PROCESSING"
    procs.start("heartbeat-worker-1", "worker")

    # then the run completes soon after the dead worker's heartbeat expires
    async def finished() -> bool:
        return (await run_state(run_id)).status != "PROCESSING"

    await wait_for("the broker to requeue the dead worker's messages", finished, limit=30)
    await assert_exact(w.s.school.id, [run_id])
