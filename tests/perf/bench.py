"""Benchmark: a billing run through the real API and processes, against its floors.

    python -m tests.perf.bench [--students 100000] [--small 10000] [--repeats 3]
                               [--sqlite-students 10000] [--skip-load] [--skip-sqlite]
                               [--load-only] [--workers N] [--load-requests N]
                               [--pricing] [--sql-seed]

On PostgreSQL + Redis: `billing serve` and a `billing worker` process bill a seeded school
(8 grades, 4 fee items with grade amounts, 10% already invoiced, 2% inactive; students
enrolled through createStudents, 1,000 a call, not analysed) via GraphQL;
the run is followed over a WebSocket subscription. In this same process and database the
set-based floor and the naive ORM path write the same invoices. Then the embedded default
(SQLite, in-process workers) against its own SQLite floor, and an API load run. Prints a
table and one JSON line of medians. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from api.ids import decode_id
from domain import db
from domain.models import BillingRun, PreviewCharge, PreviewLine, School
from tests.perf.enrol import enrol_students
from tests.perf.floor import floor_seconds, naive_seconds, remove_invoices
from tests.perf.load import load_run
from tests.perf.probe import explain_preview, peak_rss_mb, server_processes, statements_per_chunk
from tests.perf.report import RunTimes, table
from tests.perf.seed import Seeded, seed_pricing, seed_school
from tests.servers import BillingProcesses
from tests.services import recreate_pg_database
from tests.ws_client import subscribe

REDIS_URL = os.environ.get("BILLING_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
DB_NAME = os.environ.get("BILLING_BENCH_DB_NAME", "billing_bench")
WATCH = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) {
  status progress { processed total } } }"""
LINES = """query($id: ID!) { node(id: $id) { ... on BillingRun { preview { lines(first: 50) {
  totalCount edges { node { status exclusionReason amount { amount }
  student { fullName admissionNumber } } } } } } } }"""


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


async def one_run(base: str, s: Seeded, times: RunTimes, *, keep: bool = False) -> None:
    """Create, preview, page, confirm and follow one run to COMPLETED, through the API."""
    headers = {"Authorization": f"Bearer {s.token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as http:
        data = await gql(
            http,
            """mutation($i: CreateBillingRunInput!) { createBillingRun(input: $i) {
            billingRun { id } errors { code message } } }""",
            {"i": s.run_input()},
        )
        run_id = data["createBillingRun"]["billingRun"]["id"]
        started = time.perf_counter()
        data = await gql(
            http,
            """mutation($i: PreviewBillingRunInput!) { previewBillingRun(input: $i) {
            billingRun { preview { invoiceCount totalAmount { amount } } } errors { code } } }""",
            {"i": {"billingRunId": run_id}},
        )
        times.preview_s.append(time.perf_counter() - started)
        preview = data["previewBillingRun"]["billingRun"]["preview"]
        started = time.perf_counter()
        await gql(http, LINES, {"id": run_id})
        times.lines_page_s.append(time.perf_counter() - started)
        stamps: list[float] = []

        async def follow() -> list[dict[str, Any]]:
            updates = await subscribe(
                base.replace("http", "ws") + "/graphql",
                s.token,
                WATCH,
                {"id": run_id},
                limit_seconds=900,
                on_message=lambda: stamps.append(time.perf_counter()),
            )
            return updates

        watcher = asyncio.create_task(follow())
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        data = await gql(
            http,
            """mutation($i: ConfirmBillingRunInput!) { confirmBillingRun(input: $i) {
            billingRun { status } errors { code message } } }""",
            {
                "i": {
                    "billingRunId": run_id,
                    "expectedInvoiceCount": preview["invoiceCount"],
                    "expectedTotalAmount": preview["totalAmount"]["amount"],
                }
            },
        )
        assert data["confirmBillingRun"]["errors"] == [], data
        updates = await watcher
        finished = time.perf_counter()
    last = updates[-1]["data"]["billingRunUpdated"]
    assert last["status"] == "COMPLETED", last
    times.run_s.append(finished - started)
    times.invoices = preview["invoiceCount"]
    # Gaps between pushes while the run processes: from the first push after confirm
    # (PROCESSING, once confirm has frozen the students) to the last (COMPLETED).
    during = [t for t in stamps if t >= started]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    times.max_update_gap_s.append(max(gaps) if gaps else 0.0)
    times.confirm_to_first_update_s.append(during[0] - started if during else finished - started)
    if not keep:
        await reset(s, decode_id(run_id, "BillingRun"))


async def reset(s: Seeded, run_pk: int | None) -> None:
    """Remove a benchmark run and its invoices: the next repeat starts from the seeded state."""
    if run_pk is not None:
        await remove_invoices(s, run_id=run_pk)
        await BillingRun.filter(id=run_pk).delete()
        await PreviewLine.filter(run_id=run_pk).delete()
        await PreviewCharge.filter(run_id=run_pk).delete()
    await School.filter(id=s.school_id).update(last_invoice_number=s.students // 10)


async def bench_postgres(args: argparse.Namespace) -> dict[str, Any]:
    url = await recreate_pg_database(DB_NAME)
    await db.migrate_db(url)
    await db.init_db(url)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    results: dict[str, Any] = {}
    sizes = {args.small} if args.load_only else {args.small, args.students}
    kind = "pg_priced" if args.pricing else "pg"
    env = {"BILLING_CHUNK_SIZE": str(args.chunk), "BILLING_WORKER_THREADS": "2"}
    with BillingProcesses(database_url=url, redis_url=REDIS_URL, env=env) as procs:
        extra = ("--workers", str(args.workers)) if args.workers != 1 else ()
        base = procs.serve("bench-serve", *extra)
        worker = procs.worker("bench-worker")
        procs.wait_until(base, "/readyz")
        server_pid = procs.procs[0][1].pid
        # The students come through createStudents, as a bursar imports them, and each
        # school is previewed right after its import (below): the rows are fresh.
        enrol = None if args.sql_seed else partial(enrol_students, base)
        schools: dict[int, Seeded] = {}

        async def seed(n: int) -> Seeded:
            schools[n] = await seed_school(n, label=f"Bench{n}", enrol=enrol)
            if args.pricing:
                await seed_pricing(schools[n])
            return schools[n]

        if args.load_only:
            await one_run(base, await seed(args.small), RunTimes(students=args.small), keep=True)
            results["load"] = await load_run(
                base,
                schools[args.small],
                clients=50,
                requests=args.load_requests,
                pids=server_processes(server_pid),
            )
            results["server_peak_rss_mb"] = peak_rss_mb(server_pid, tree=True)
            await db.close_db()
            return results
        for n in sorted(sizes):
            s = await seed(n)
            if args.explain:
                await explain_preview(s, Path(args.explain) / f"preview-{kind}-{n}.txt")
            times = RunTimes(students=n)
            for _ in range(args.repeats):
                await one_run(base, s, times)
                seconds, count = await floor_seconds(s)
                times.floor_s.append(seconds)
                assert count == times.invoices, (count, times.invoices)
                if n == args.students:
                    times.naive_s.append(await naive_seconds(s, args.naive_sample, times.invoices))
            results[f"{kind}_{n}"] = times.medians()
        results["statements_per_chunk"] = await statements_per_chunk(schools[args.small])
        results["server_peak_rss_mb"] = peak_rss_mb(server_pid, tree=True)
        results["worker_peak_rss_mb"] = peak_rss_mb(worker.pid)
        if not args.skip_load:
            # One run kept, so that the invoice page has real invoices with lines.
            await one_run(base, schools[args.small], RunTimes(students=args.small), keep=True)
            results["load"] = await load_run(
                base,
                schools[args.small],
                clients=50,
                requests=args.load_requests,
                pids=server_processes(server_pid),
            )
    await db.close_db()
    return results


async def bench_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    path = Path(tempfile.mkdtemp(prefix="billing-bench-")) / "bench.sqlite3"
    url = f"sqlite://{path}"
    await db.migrate_db(url)
    await db.init_db(url)
    s = await seed_school(args.sqlite_students, label="Embedded")
    await db.close_db()
    times = RunTimes(students=args.sqlite_students)
    env = {"BILLING_CHUNK_SIZE": str(args.chunk)}
    for _ in range(args.repeats):
        with BillingProcesses(database_url=url, env=env) as procs:
            base = procs.serve("bench-embedded")
            await db.init_db(url)
            await one_run(base, s, times)
            await db.close_db()
        await db.init_db(url)  # the server is gone: the floor has the file to itself
        seconds, _ = await floor_seconds(s)
        times.floor_s.append(seconds)
        await db.close_db()
    return {f"sqlite_{args.sqlite_students}": times.medians()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--sqlite-students", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--naive-sample", type=int, default=2000)
    parser.add_argument("--load-requests", type=int, default=1000)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--sql-seed",
        action="store_true",
        help="seed students set-based and ANALYZE them (quick, but not what a user does; "
        "the default enrols them through createStudents, 1,000 a call)",
    )
    parser.add_argument(
        "--pricing",
        action="store_true",
        help="price the schools like real ones: categories, optional items, discounts, "
        "sibling discounts (rows pg_priced_*)",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="Only the API load run (seeds --small students, bills them once); no SQLite part.",
    )
    parser.add_argument(
        "--explain",
        metavar="DIR",
        help="save EXPLAIN (ANALYZE, BUFFERS) of each school's first preview, before it is timed",
    )
    parser.add_argument("--workers", type=int, default=1, help="`billing serve --workers N`.")
    args = parser.parse_args()
    results = {"machine": f"{os.cpu_count()} cores", "python": sys.version.split()[0]}
    results.update(asyncio.run(bench_postgres(args)))
    if not (args.skip_sqlite or args.load_only):
        results.update(asyncio.run(bench_sqlite(args)))
    print(table(results))
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
