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
from typing import Any

import httpx
import pytest

from api.ids import decode_id
from domain.db import conn, is_postgres
from domain.models import BillingRun, Invoice, Role, Student
from tests import services
from tests.billing_helpers import run_input
from tests.factories import Factory
from tests.invariants import assert_exact
from tests.servers import BillingProcesses, ws_url
from tests.ws_client import subscribe

pytestmark = pytest.mark.e2e

WATCH = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) {
  status progress { processed total } studentsBilled totalAmount { amount } } }"""


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
    account = await factory.account()
    s = await factory.school(account, grades=2, streams=2)
    finance = await factory.actor(account, Role.FINANCE, schools=[s.school])
    await Student.bulk_create(
        [
            Student(
                school_id=s.school.id,
                admission_number=f"E{n:05d}",
                first_name=f"First{n}",
                last_name=f"Last{n:05d}",
                school_class_id=s.classes[n % len(s.classes)].id,
            )
            for n in range(2000)
        ],
        batch_size=1000,
    )
    env = {"BILLING_CHUNK_SIZE": "250", "BILLING_WORKER_THREADS": "2"}
    with BillingProcesses(database_url=db, redis_url=redis_url, env=env) as procs:
        base = procs.serve("e2e-serve")
        procs.worker("e2e-worker")
        await asyncio.to_thread(procs.wait_until, base, "/readyz")
        headers = {"Authorization": f"Bearer {finance.token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:

            async def call(query: str, variables: dict[str, object]) -> dict[str, object]:
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables}
                )
                assert response.status_code == 200, response.text
                body: dict[str, object] = response.json()
                assert "errors" not in body, body
                return body

            # when a run is created, previewed, watched and confirmed
            created = await call(
                """mutation($i: CreateBillingRunInput!) { createBillingRun(input: $i) {
                    billingRun { id } errors { code message } } }""",
                {"i": run_input(s)},
            )
            run_id = created["data"]["createBillingRun"]["billingRun"]["id"]  # type: ignore[index]
            previewed = await call(
                """mutation($i: PreviewBillingRunInput!) { previewBillingRun(input: $i) {
                    billingRun { preview { invoiceCount totalAmount { amount } } } errors { code } } }""",
                {"i": {"billingRunId": run_id}},
            )
            preview = previewed["data"]["previewBillingRun"]["billingRun"]["preview"]  # type: ignore[index]
            assert preview["invoiceCount"] == 2000
            watcher = asyncio.create_task(
                subscribe(
                    ws_url(base),
                    finance.token,
                    WATCH,
                    {"id": run_id},
                    limit_seconds=120,
                )
            )
            await asyncio.sleep(0.5)
            confirmed = await call(
                """mutation($i: ConfirmBillingRunInput!) { confirmBillingRun(input: $i) {
                    billingRun { status } errors { code } } }""",
                {
                    "i": {
                        "billingRunId": run_id,
                        "expectedInvoiceCount": 2000,
                        "expectedTotalAmount": preview["totalAmount"]["amount"],
                    }
                },
            )
            assert confirmed["data"]["confirmBillingRun"]["errors"] == []  # type: ignore[index]
            updates = await asyncio.wait_for(watcher, 120)
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
    assert total == run.invoiced_amount == Decimal(preview["totalAmount"]["amount"])
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
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:

            async def call(query: str) -> dict[str, Any]:
                response = await http.post("/graphql", json={"query": query})
                body: dict[str, Any] = response.json()
                assert response.status_code == 200 and "errors" not in body, body
                return body["data"]

            schools = (await call("{ schools { id name terms { id } feeStructures { id } } }"))[
                "schools"
            ]
            school = next(s for s in schools if s["name"].startswith("Riverside"))
            run = (
                await call(
                    f"""mutation {{ createBillingRun(input: {{schoolId: "{school["id"]}",
                    termId: "{school["terms"][0]["id"]}",
                    feeStructureId: "{school["feeStructures"][0]["id"]}",
                    scope: {{kind: ALL_STUDENTS}}, invoiceDate: "2026-01-05",
                    dueDate: "2026-02-05"}}) {{ billingRun {{ id }} errors {{ code }} }} }}"""
                )
            )["createBillingRun"]["billingRun"]["id"]
            preview = (
                await call(
                    f"""mutation {{ previewBillingRun(input: {{billingRunId: "{run}"}}) {{
                    billingRun {{ preview {{ invoiceCount totalAmount {{ amount }} }} }} }} }}"""
                )
            )["previewBillingRun"]["billingRun"]["preview"]
            watcher = asyncio.create_task(
                subscribe(ws_url(base), token, WATCH, {"id": run}, limit_seconds=120)
            )
            await asyncio.sleep(0.3)
            await call(
                f"""mutation {{ confirmBillingRun(input: {{billingRunId: "{run}"}}) {{
                billingRun {{ status }} errors {{ code }} }} }}"""
            )
            updates = await asyncio.wait_for(watcher, 120)
            invoices = await call(
                f"""{{ node(id: "{run}") {{ ... on BillingRun {{
                invoices(first: 1) {{ totalCount }} }} }} }}"""
            )
    # then the run completed in-process and created exactly the previewed invoices
    final = updates[-1]["data"]["billingRunUpdated"]
    assert final["status"] == "COMPLETED"
    assert final["progress"]["processed"] == preview["invoiceCount"] > 400
    assert final["totalAmount"]["amount"] == preview["totalAmount"]["amount"]
    assert invoices["node"]["invoices"]["totalCount"] == preview["invoiceCount"]
