"""Benchmark: the PDF of a 5,000-invoice billing run (GET /documents/billing-runs/<id>.pdf).

    .venv/bin/python -m tests.perf.documents_bench [--invoices 5000] [--repeats 3]

Seeds a school on PostgreSQL (database `$BILLING_BENCH_DB_NAME`_docs), bills it in-process, then
builds the run's document over HTTP against a real `billing serve`, and reports the time to
the last byte, the file's size and pages, and the server's peak memory (VmHWM). Targets:
at most 15 s and under 300 MB for 5,000 invoices.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import statistics
import time
from datetime import date

import httpx
from pypdf import PdfReader

from api.ids import encode_id
from domain import db
from domain.access import authenticate
from domain.billing.runs import ScopeSpec, create_billing_run
from domain.models import BillingRun, Invoice, ScopeKind
from tests.billing_helpers import Recorder
from tests.perf.seed import seed_school
from tests.servers import BillingProcesses
from tests.services import recreate_pg_database


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far: the cost whatever else the machine runs."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bill_run(students: int) -> tuple[str, int, str]:
    """A completed run of about 88% of `students` invoices; (token, run id, run gid)."""
    from domain.billing.confirm import confirm_billing_run
    from domain.billing.preview import preview_billing_run

    s = await seed_school(students, label="Docs")
    caller = await authenticate(s.token)
    assert caller is not None
    run = await create_billing_run(
        caller,
        school_id=s.school_id,
        term_id=s.term_id,
        fee_structure_id=s.fee_structure_id,
        scope=ScopeSpec(ScopeKind.ALL_STUDENTS),
        invoice_date=date(2026, 1, 5),
        due_date=date(2026, 2, 5),
    )
    recorder = Recorder()
    await preview_billing_run(caller, run.id)
    await confirm_billing_run(caller, run.id, dispatch=recorder)
    await recorder.drain()
    run = await BillingRun.get(id=run.id)
    count = await Invoice.filter(billing_run_id=run.id).count()
    return s.token, count, encode_id("BillingRun", run.id)


async def main_async(args: argparse.Namespace) -> None:
    url = await recreate_pg_database(
        os.environ.get("BILLING_BENCH_DB_NAME", "billing_bench") + "_docs"
    )
    await db.migrate_db(url)
    await db.init_db(url)
    # 10% of the seeded school is already invoiced and 2% inactive: seed enough to bill N.
    token, count, run_gid = await bill_run(math.ceil(args.invoices / 0.882))
    await db.close_db()
    print(f"run of {count} invoices billed")
    seconds: list[float] = []
    cpu: list[float] = []
    with BillingProcesses(database_url=url) as procs:
        base = procs.serve("bench-documents")
        procs.wait_until(base, "/readyz")
        server_pid = procs.procs[0][1].pid
        async with httpx.AsyncClient(base_url=base, timeout=600) as http:
            for _ in range(args.repeats):
                cpu_before = cpu_seconds(server_pid)
                started = time.perf_counter()
                response = await http.get(
                    f"/documents/billing-runs/{run_gid}.pdf",
                    headers={"Authorization": f"Bearer {token}"},
                )
                seconds.append(time.perf_counter() - started)
                cpu.append(cpu_seconds(server_pid) - cpu_before)
                assert response.status_code == 200, response.text[:300]
            pages = len(PdfReader(io.BytesIO(response.content)).pages)
        peak = peak_rss_mb(server_pid)
    print(f"invoices                 {count}")
    print(f"pages                    {pages}")
    print(f"size                     {len(response.content) / 1e6:.1f} MB")
    print(
        f"time to last byte        {statistics.median(seconds):.1f} s (median of {len(seconds)}: "
        + ", ".join(f"{s:.1f}" for s in seconds)
        + ")"
    )
    print(f"server CPU per document  {statistics.median(cpu):.1f} s")
    print(f"server peak memory       {peak:.0f} MB")
    print(f"machine load (1 min)     {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
