"""Helpers of the fault tests: a private redis-server, tagged processes, data, checks, GraphQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from api.ids import decode_id, encode_id
from domain.db import conn
from domain.models import BillingRun, Role
from tests import services
from tests.factories import Actor, Factory, SchoolSet
from tests.servers import OUTPUT, BillingProcesses, free_port

T = TypeVar("T")

#: Seconds any single wait of a fault test may take before it fails.
WAIT_LIMIT = 120.0


def faults_redis_url() -> str:
    explicit = os.environ.get("BILLING_FAULTS_REDIS_URL")
    if explicit:
        return explicit
    return services.REDIS_URL.rsplit("/", 1)[0] + "/9"


class OwnRedis:
    """A redis-server of the test's own on a free loopback port, without persistence.

    Fault tests never stop, flush or share the machine's Redis: a test that stops Redis
    stops this one, and concurrent test sessions cannot consume each other's messages.
    """

    def __init__(self, tag: str) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tag = tag
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        OUTPUT.mkdir(exist_ok=True)
        self.starts += 1
        with (OUTPUT / f"{self.tag}-redis-{self.starts}.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except redis.RedisError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server on {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


REDIS_SERVER = shutil.which("redis-server") or ""


class FaultProcesses(BillingProcesses):
    """BillingProcesses whose logs carry the session's tag: test-output/<tag>-<name>.log."""

    def __init__(self, *, tag: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tag = tag

    def _tagged(self, name: str) -> str:
        return name if name.startswith(self.tag) else f"{self.tag}-{name}"

    def start(
        self, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        return super().start(self._tagged(name), *args, env=env)

    def log_tail(self, name: str, lines: int = 40) -> str:
        return super().log_tail(self._tagged(name), lines)

    def __enter__(self) -> FaultProcesses:
        return self

    def log(self, name: str) -> str:
        path = OUTPUT / f"{self._tagged(name)}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def with_app_name(url: str, name: str) -> str:
    """The database URL with an application_name, to find a process's backends."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


async def wait_for(
    what: str,
    check: Callable[[], Awaitable[T | None]],
    *,
    limit: float = WAIT_LIMIT,
    interval: float = 0.2,
) -> T:
    """Poll `check` until it returns a truthy value; fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        async with asyncio.timeout(limit):
            value = await check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {limit}s waiting for {what}")
        await asyncio.sleep(interval)


# --- data -----------------------------------------------------------------------------------


@dataclass
class World:
    """A school full of students and a FINANCE user, as the fault tests need them."""

    school: SchoolSet
    finance: Actor
    students: int


async def seed_students(s: SchoolSet, count: int, *, prefix: str = "F") -> None:
    """`count` ACTIVE students spread over the school's classes, in one set-based insert.

    The admission key is lower() of an ASCII number: what `normalise_key` gives for it.
    """
    await conn().execute_query(
        """INSERT INTO student (school_id, admission_number, admission_key, first_name,
                                last_name, status, school_class_id, created_at)
        SELECT $1, $2 || lpad(g::text, 6, '0'), lower($2 || lpad(g::text, 6, '0')),
               'First' || g, 'Last' || g, 'ACTIVE',
               ($3::int[])[1 + g % cardinality($3::int[])], now()
        FROM generate_series(1, $4) AS g""",
        [s.school.id, prefix, [c.id for c in s.classes], count],
    )


async def world(factory: Factory, students: int) -> World:
    account = await factory.account()
    s = await factory.school(account, grades=2, streams=2)
    finance = await factory.actor(account, Role.FINANCE, schools=[s.school])
    await seed_students(s, students)
    return World(s, finance, students)


async def run_state(run_id: int) -> BillingRun:
    return await BillingRun.get(pk=run_id)


async def assert_exact(school_id: int, run_ids: list[int]) -> dict[int, BillingRun]:
    async with asyncio.timeout(WAIT_LIMIT):
        return await _assert_exact(school_id, run_ids)


async def _assert_exact(school_id: int, run_ids: list[int]) -> dict[int, BillingRun]:
    """The promises a fault may delay but never break, checked in the database:

    no student holds two live invoices for a fee structure and term; every run is finished
    with nothing pending; its counters equal the count and sum of its invoices; each invoice's
    lines sum to its total; the school's numbers are gap-free from 1 and its counter is the last.
    """
    c = conn()
    twice = await c.execute_query_dict(
        """SELECT student_id, fee_structure_id, term_id, COUNT(*) AS n FROM invoice
        WHERE school_id = $1 AND status <> 'CANCELLED'
        GROUP BY student_id, fee_structure_id, term_id HAVING COUNT(*) > 1 LIMIT 5""",
        [school_id],
    )
    assert twice == [], f"students invoiced twice: {twice}"
    numbers = await c.execute_query_dict(
        "SELECT number FROM invoice WHERE school_id = $1", [school_id]
    )
    seq = sorted(int(str(r["number"]).rsplit("-", 1)[1]) for r in numbers)
    assert seq == list(range(1, len(seq) + 1)), "invoice numbers are not gap-free from 1"
    counter = await c.execute_query_dict(
        "SELECT last_invoice_number FROM school WHERE id = $1", [school_id]
    )
    assert int(counter[0]["last_invoice_number"]) == len(seq)
    unbalanced = await c.execute_query_dict(
        # Lines summed first: a hash join, whatever the (fresh, unanalysed) statistics say.
        """SELECT i.id FROM invoice i
        LEFT JOIN (SELECT invoice_id, SUM(amount) AS amount FROM invoice_line
                   GROUP BY invoice_id) l ON l.invoice_id = i.id
        WHERE i.school_id = $1 AND COALESCE(l.amount, 0) <> i.total LIMIT 5""",
        [school_id],
    )
    assert unbalanced == [], f"invoices whose lines do not sum to the total: {unbalanced}"
    runs: dict[int, BillingRun] = {}
    for run_id in run_ids:
        run = await run_state(run_id)
        assert run.status == "COMPLETED", (run_id, run.status)
        made = await c.execute_query_dict(
            """SELECT COUNT(*) AS n, COALESCE(SUM(total), 0) AS amount FROM invoice
            WHERE billing_run_id = $1""",
            [run_id],
        )
        assert run.items_invoiced == int(made[0]["n"]), (run.items_invoiced, made)
        assert Decimal(run.invoiced_amount) == Decimal(made[0]["amount"])
        items = await c.execute_query_dict(
            """SELECT status, COUNT(*) AS n
            FROM billing_run_item WHERE run_id = $1 GROUP BY status""",
            [run_id],
        )
        by_status = {r["status"]: int(r["n"]) for r in items}
        assert by_status.get("PENDING", 0) == 0
        assert by_status.get("INVOICED", 0) == run.items_invoiced
        assert by_status.get("SKIPPED", 0) == run.items_skipped
        assert by_status.get("FAILED", 0) == run.items_failed == 0
        assert sum(by_status.values()) == run.items_total
        # Invoiced items and the run's invoices match one to one by student, and a skipped
        # item's student holds a live invoice (of another run) for the fee and term. Set
        # differences, not NOT EXISTS: with statistics that do not know the fresh rows yet,
        # PostgreSQL plans those as nested loops (tens of seconds at 20,000 students).
        loose = await c.execute_query_dict(
            """WITH live AS (
                SELECT student_id, billing_run_id FROM invoice
                WHERE fee_structure_id = $2 AND term_id = $3 AND status <> 'CANCELLED'),
            invoiced AS (
                SELECT student_id FROM billing_run_item WHERE run_id = $1 AND status = 'INVOICED')
            SELECT
              (SELECT COUNT(*) FROM (SELECT student_id FROM invoiced
                 EXCEPT SELECT student_id FROM live WHERE billing_run_id = $1) x) AS items,
              (SELECT COUNT(*) FROM (SELECT student_id FROM invoice WHERE billing_run_id = $1
                 EXCEPT SELECT student_id FROM invoiced) x) AS invoices,
              (SELECT COUNT(*) FROM (SELECT student_id FROM billing_run_item
                 WHERE run_id = $1 AND status = 'SKIPPED'
                 EXCEPT SELECT student_id FROM live) x) AS skipped""",
            [run_id, run.fee_structure_id, run.term_id],
        )
        assert loose == [{"items": 0, "invoices": 0, "skipped": 0}], loose
        runs[run_id] = run
    return runs


# --- GraphQL over HTTP ----------------------------------------------------------------------

CREATE = """mutation($i: CreateBillingRunInput!) { createBillingRun(input: $i) {
  billingRun { id } errors { code message } } }"""
PREVIEW = """mutation($i: PreviewBillingRunInput!) { previewBillingRun(input: $i) {
  billingRun { preview { invoiceCount totalAmount { amount } } } errors { code message } } }"""
CONFIRM = """mutation($i: ConfirmBillingRunInput!) { confirmBillingRun(input: $i) {
  billingRun { id status progress { processed total } } errors { code message } } }"""
WATCH = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) {
  status progress { processed total } studentsBilled totalAmount { amount } } }"""


class Api:
    """GraphQL calls of one user against a served process."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.http = httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    async def raw(self, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await self.http.post("/graphql", json={"query": query, "variables": variables})

    async def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.raw(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def create_run(
        self, s: SchoolSet, scope: dict[str, Any] | None = None, *, term_id: int | None = None
    ) -> str:
        data = await self.call(
            CREATE,
            {
                "i": {
                    "schoolId": encode_id("School", s.school.id),
                    "termId": encode_id("Term", term_id or s.term.id),
                    "feeStructureId": encode_id("FeeStructure", s.fee.id),
                    "scope": scope or {"kind": "ALL_STUDENTS"},
                    "invoiceDate": "2026-01-05",
                    "dueDate": "2026-02-05",
                }
            },
        )
        payload = data["createBillingRun"]
        assert payload["errors"] == [], payload
        run_id: str = payload["billingRun"]["id"]
        return run_id

    async def preview(self, run_id: str) -> tuple[int, str]:
        data = await self.call(PREVIEW, {"i": {"billingRunId": run_id}})
        payload = data["previewBillingRun"]
        assert payload["errors"] == [], payload
        preview = payload["billingRun"]["preview"]
        return int(preview["invoiceCount"]), str(preview["totalAmount"]["amount"])

    async def confirm(self, run_id: str) -> dict[str, Any]:
        data = await self.call(CONFIRM, {"i": {"billingRunId": run_id}})
        payload: dict[str, Any] = data["confirmBillingRun"]
        return payload

    async def aclose(self) -> None:
        await self.http.aclose()


def local_id(global_id: str) -> int:
    found = decode_id(global_id, "BillingRun")
    assert found is not None, global_id
    return found
