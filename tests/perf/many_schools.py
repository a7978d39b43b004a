"""Benchmark: the first Monday of term, many schools billing at once.

    python -m tests.perf.many_schools [--schools 200] [--students 500] [--workers 2]
                                      [--in-flight 20] [--threads 2] [--pool N]

200 schools of 500 students each are seeded; each school's bursar creates and previews
a run (not timed), then every run is confirmed through the API with `--in-flight`
confirms at a time (they all arrive within a few seconds), `billing serve` and
`--workers` `billing worker` processes on PostgreSQL + Redis. Each run is followed over
its own `billingRunUpdated` subscription (one WebSocket per school, as each bursar
watches their own run) until COMPLETED. Measured:

- the whole: first confirm sent -> last run COMPLETED, against the floor of all the rows
  (every school's invoices and lines written set-based by one INSERT ... SELECT each,
  school after school in this process, timed, then removed);
- per run: confirm sent -> COMPLETED (median, p90, slowest; slowest / median says whether
  a school waits behind all the others), and confirm's own latency;
- exactness: every run COMPLETED with as many invoices as its preview promised.

Prints a table and one JSON line. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.ids import decode_id
from domain import db
from domain.models import BillingRun, Invoice
from domain.models.billing import RunStatus
from tests.perf.bench import gql as bench_gql
from tests.perf.floor import floor_seconds, remove_invoices
from tests.perf.probe import peak_rss_mb
from tests.perf.seed import Seeded, seed_school
from tests.servers import BillingProcesses
from tests.services import recreate_pg_database
from tests.ws_client import subscribe

REDIS_URL = os.environ.get("BILLING_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
DB_NAME = os.environ.get("BILLING_BENCH_DB_NAME", "billing_bench") + "_many"
WATCH = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) { status } }"""
CREATE = """mutation($i: CreateBillingRunInput!) { createBillingRun(input: $i) {
  billingRun { id } errors { code message } } }"""
PREVIEW = """mutation($i: PreviewBillingRunInput!) { previewBillingRun(input: $i) {
  billingRun { preview { invoiceCount totalAmount { amount } } } errors { code message } } }"""
CONFIRM = """mutation($i: ConfirmBillingRunInput!) { confirmBillingRun(input: $i) {
  billingRun { status } errors { code message } } }"""


@dataclass
class SchoolRun:
    seeded: Seeded
    run_id: str = ""
    invoices: int = 0
    total: str = "0"
    confirm_sent: float = 0.0
    confirm_answered: float = 0.0
    completed: float = 0.0
    statuses: list[str] = field(default_factory=list)


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The bench's request, and a refusal in the mutation's payload raised too."""
    data = await bench_gql(http, query, variables)
    payload = next(iter(data.values()))
    if payload.get("errors"):
        raise RuntimeError(payload["errors"])
    return data


def client(base: str, s: Seeded) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {s.token}"}, timeout=300
    )


async def prepare(base: str, r: SchoolRun) -> None:
    """What each bursar does before confirming: create and preview the run."""
    s = r.seeded
    async with client(base, s) as http:
        data = await gql(
            http,
            CREATE,
            {"i": s.run_input()},
        )
        r.run_id = data["createBillingRun"]["billingRun"]["id"]
        data = await gql(http, PREVIEW, {"i": {"billingRunId": r.run_id}})
        preview = data["previewBillingRun"]["billingRun"]["preview"]
        r.invoices = preview["invoiceCount"]
        r.total = preview["totalAmount"]["amount"]


async def confirm_and_follow(base: str, r: SchoolRun, gate: asyncio.Semaphore) -> None:
    """Subscribe first (as the bursar's screen does), confirm, follow to COMPLETED."""
    ws = base.replace("http", "ws") + "/graphql"
    subscribed = asyncio.Event()

    def seen() -> None:
        subscribed.set()
        r.completed = time.perf_counter()

    watcher = asyncio.create_task(
        subscribe(ws, r.seeded.token, WATCH, {"id": r.run_id}, limit_seconds=900, on_message=seen)
    )
    await asyncio.wait_for(subscribed.wait(), 60)  # the DRAFT state pushed on subscribe
    async with gate, client(base, r.seeded) as http:
        r.confirm_sent = time.perf_counter()
        await gql(
            http,
            CONFIRM,
            {
                "i": {
                    "billingRunId": r.run_id,
                    "expectedInvoiceCount": r.invoices,
                    "expectedTotalAmount": r.total,
                }
            },
        )
        r.confirm_answered = time.perf_counter()
    updates = await watcher
    r.statuses = [u["data"]["billingRunUpdated"]["status"] for u in updates if "data" in u]


async def check_exact(runs: list[SchoolRun]) -> int:
    """Every run COMPLETED with the invoices its preview promised; the count of wrong ones."""
    wrong = 0
    for r in runs:
        pk = decode_id(r.run_id, "BillingRun")
        run = await BillingRun.get(id=pk)
        made = await Invoice.filter(billing_run_id=pk).count()
        if run.status != RunStatus.COMPLETED or made != r.invoices:
            wrong += 1
            print(f"run {pk}: {run.status} with {made} of {r.invoices} invoices", file=sys.stderr)
    return wrong


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    url = await recreate_pg_database(DB_NAME)
    await db.migrate_db(url)
    await db.init_db(url)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    started = time.perf_counter()
    runs = [
        SchoolRun(await seed_school(args.students, label=f"Many{i:03d}"))
        for i in range(args.schools)
    ]
    print(f"seeded {args.schools} schools in {time.perf_counter() - started:.1f} s", flush=True)
    env = {"BILLING_CHUNK_SIZE": str(args.chunk), "BILLING_WORKER_THREADS": str(args.threads)}
    served_url = f"{url}?maxsize={args.pool}" if args.pool else url
    with BillingProcesses(database_url=served_url, redis_url=REDIS_URL, env=env) as procs:
        extra = ("--workers", str(args.serve_workers)) if args.serve_workers != 1 else ()
        base = procs.serve("many-serve", *extra)
        workers = [procs.worker(f"many-worker-{n}") for n in range(args.workers)]
        procs.wait_until(base, "/readyz")
        server_pid = procs.procs[0][1].pid
        gate = asyncio.Semaphore(10)

        async def prepared(r: SchoolRun) -> None:
            async with gate:
                await prepare(base, r)

        await asyncio.gather(*(prepared(r) for r in runs))
        print("created and previewed every run", flush=True)
        in_flight = asyncio.Semaphore(args.in_flight)
        await asyncio.gather(*(confirm_and_follow(base, r, in_flight) for r in runs))
        server_rss = peak_rss_mb(server_pid, tree=True)
        worker_rss = max(peak_rss_mb(w.pid) for w in workers)
    wrong = await check_exact(runs)
    first = min(r.confirm_sent for r in runs)
    whole = max(r.completed for r in runs) - first
    per_run = [r.completed - r.confirm_sent for r in runs]
    confirms = [r.confirm_answered - r.confirm_sent for r in runs]
    floor = 0.0
    for r in runs:
        await remove_invoices(r.seeded, run_id=decode_id(r.run_id, "BillingRun"))
        seconds, count = await floor_seconds(r.seeded)
        assert count == r.invoices, (count, r.invoices)
        floor += seconds
    await db.close_db()
    median = statistics.median(per_run)
    return {
        "schools": args.schools,
        "students_per_school": args.students,
        "workers": args.workers,
        "in_flight": args.in_flight,
        "pool": args.pool or 5,
        "invoices": sum(r.invoices for r in runs),
        "runs_not_exact": wrong,
        "confirms_sent_within_s": max(r.confirm_sent for r in runs) - first,
        "whole_s": whole,
        "floor_s": floor,
        "whole_over_floor": whole / floor,
        "run_median_s": median,
        "run_p90_s": quantile(per_run, 0.9),
        "run_slowest_s": max(per_run),
        "slowest_over_median": max(per_run) / median,
        "confirm_p50_ms": 1000 * statistics.median(confirms),
        "confirm_max_ms": 1000 * max(confirms),
        "server_peak_rss_mb": server_rss,
        "worker_peak_rss_mb": worker_rss,
    }


def table(result: dict[str, Any]) -> str:
    rows = [
        f"| {key} | {value:.3f} |" if isinstance(value, float) else f"| {key} | {value} |"
        for key, value in result.items()
    ]
    return "\n".join(["| measure | value |", "|---|---|", *rows])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="`billing worker` processes")
    parser.add_argument("--threads", type=int, default=2, help="threads of each worker")
    parser.add_argument("--serve-workers", type=int, default=1, help="`billing serve --workers`")
    parser.add_argument("--in-flight", type=int, default=20, help="confirms at a time")
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument(
        "--pool", type=int, default=0, help="connections per process (default: Tortoise's 5)"
    )
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    result["machine"] = f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    print(table(result))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
