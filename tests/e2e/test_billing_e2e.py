"""Production shape end to end: `billing serve` and `billing worker` as real processes on
PostgreSQL and Redis, a 2,000-student school billed through GraphQL over HTTP and followed
with a real WebSocket subscription."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from api.ids import decode_id
from domain.db import conn, is_postgres
from domain.models import BillingRun, Invoice
from tests import services
from tests.client import WATCH_RUN, GraphQLClient
from tests.factories import Factory
from tests.invariants import assert_exact
from tests.servers import BillingProcesses, ws_url
from tests.world import build_world
from tests.ws_client import subscribe

pytestmark = pytest.mark.e2e


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    import redis

    url = os.environ.get("BILLING_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
    redis.Redis.from_url(url).flushdb()
    yield url


async def test_serve_and_worker_bill_2000_students(
    db: str, redis_url: str, factory: Factory
) -> None:
    if not is_postgres(conn()):
        pytest.skip("the production shape needs PostgreSQL")
    # given a school of 2,000 students in 8 classes
    w = await build_world(factory, students=2000, bulk=True)
    s, finance = w.s, w.finance
    env = {"BILLING_CHUNK_SIZE": "250", "BILLING_WORKER_THREADS": "2"}
    with BillingProcesses(database_url=db, redis_url=redis_url, env=env) as procs:
        base = procs.serve("e2e-serve")
        procs.worker("e2e-worker")
        await asyncio.to_thread(procs.wait_until, base, "/readyz")
        gql = GraphQLClient.at(base, finance.token, timeout=30)
        try:
            # when a run is created, previewed, watched and confirmed
            run_id = await gql.create_run(s)
            count, amount = await gql.preview(run_id)
            assert count == 2000
            watcher = asyncio.create_task(
                subscribe(ws_url(base), finance.token, WATCH_RUN, {"id": run_id}, limit_seconds=120)
            )
            await asyncio.sleep(0.5)
            confirmed = await gql.confirm(
                run_id, expectedInvoiceCount=2000, expectedTotalAmount=amount
            )
            assert confirmed["errors"] == []
            updates = await asyncio.wait_for(watcher, 120)
        finally:
            await gql.aclose()
    # then the subscriber saw DRAFT, PROCESSING, then COMPLETED, with monotone progress
    runs = [u["data"]["billingRunUpdated"] for u in updates]
    statuses = [r["status"] for r in runs]
    assert statuses[0] == "DRAFT" and statuses[-1] == "COMPLETED"
    assert "PROCESSING" in statuses
    assert statuses.index("PROCESSING") < statuses.index("COMPLETED")
    processed = [r["progress"]["processed"] for r in runs]
    assert processed == sorted(processed) and processed[-1] == 2000
    # and the database holds 2,000 invoices, gap-free, summing to the run's total
    run = await BillingRun.get(pk=decode_id(run_id, "BillingRun"))
    invoices = await Invoice.filter(billing_run_id=run.id).values_list("number", "total")
    assert len(invoices) == 2000 == run.items_invoiced
    assert sorted(int(n.rsplit("-", 1)[1]) for n, _ in invoices) == list(range(1, 2001))
    total = sum((Decimal(t) for _, t in invoices), Decimal(0))
    assert total == run.invoiced_amount == Decimal(amount)
    assert runs[-1]["totalAmount"]["amount"] == f"{total:.2f}"
    await assert_exact(s.school.id, [run.id])


async def test_billing_serve_alone_runs_a_whole_run_on_sqlite(tmp_path: Path) -> None:
    """The embedded default: one `billing serve` process, SQLite, in-process workers."""
    # given the demo account on a fresh SQLite file
    url = f"sqlite://{tmp_path / 'embedded.sqlite3'}"
    demo = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).with_name("billing")), "demo"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = demo.stdout.strip().splitlines()[-1]
    with BillingProcesses(database_url=url, env={"BILLING_CHUNK_SIZE": "100"}) as procs:
        base = procs.serve("e2e-embedded")
        gql = GraphQLClient.at(base, token, timeout=30)
        try:
            schools = (await gql.data("{ schools { id name terms { id } feeStructures { id } } }"))[
                "schools"
            ]
            school = next(s for s in schools if s["name"].startswith("Riverside"))
            run = (
                await gql.data(
                    f"""mutation {{ createBillingRun(input: {{schoolId: "{school["id"]}",
                    termId: "{school["terms"][0]["id"]}",
                    feeStructureId: "{school["feeStructures"][0]["id"]}",
                    scope: {{kind: ALL_STUDENTS}}, invoiceDate: "2026-01-05",
                    dueDate: "2026-02-05"}}) {{ billingRun {{ id }} errors {{ code }} }} }}"""
                )
            )["createBillingRun"]["billingRun"]["id"]
            count, amount = await gql.preview(run)
            watcher = asyncio.create_task(
                subscribe(ws_url(base), token, WATCH_RUN, {"id": run}, limit_seconds=120)
            )
            await asyncio.sleep(0.3)
            await gql.confirm(run)
            updates = await asyncio.wait_for(watcher, 120)
            invoices = await gql.data(
                f"""{{ node(id: "{run}") {{ ... on BillingRun {{
                invoices(first: 1) {{ totalCount }} }} }} }}"""
            )
        finally:
            await gql.aclose()
    # then the run completed in-process and created exactly the previewed invoices
    final = updates[-1]["data"]["billingRunUpdated"]
    assert final["status"] == "COMPLETED"
    assert final["progress"]["processed"] == count > 400
    assert final["totalAmount"]["amount"] == amount
    assert invoices["node"]["invoices"]["totalCount"] == count
