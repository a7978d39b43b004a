"""A bounded API load run on loopback: requests per second and p50/p99 latency of a trivial
query, `billingRuns`, and a 100-invoice page with students and lines, at N concurrent clients."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from api.ids import encode_id
from tests.perf.seed import Seeded

TRIVIAL = "{ __typename }"
RUNS = """query($s: ID!) { billingRuns(schoolId: $s, first: 20) { totalCount
  edges { node { id name status progress { processed total } totalAmount { amount } } } } }"""
INVOICES = """query($s: ID!) { invoices(schoolId: $s, first: 100) { totalCount edges { node {
  number total { amount } balance { amount } status
  student { fullName admissionNumber schoolClass { name } }
  lines { description amount { amount } } } } } }"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _server_cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the server processes so far (from /proc)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def _hammer(
    base: str,
    token: str,
    query: str,
    variables: dict[str, Any],
    clients: int,
    requests: int,
    pids: list[int],
) -> dict[str, float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as http:

        async def client() -> None:
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables}
                )
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                assert "errors" not in response.json(), response.text[:300]

        started = time.perf_counter()
        cpu = _server_cpu_seconds(pids)
        await asyncio.gather(*(client() for _ in range(clients)))
        cpu = _server_cpu_seconds(pids) - cpu
        wall = time.perf_counter() - started
    return {
        "rps": round(requests / wall, 1),
        # The server's own CPU per request: what contention on a shared machine leaves alone.
        "server_cpu_ms": round(1000 * cpu / requests, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
    }


async def load_run(
    base: str, s: Seeded, *, clients: int, requests: int, pids: list[int]
) -> dict[str, Any]:
    """Each query `requests` times at `clients` concurrency, after one billed run for data;
    `pids` are the server's processes (for its CPU time per request)."""
    school = {"s": encode_id("School", s.school_id)}
    trivial = await _hammer(base, s.token, TRIVIAL, {}, clients, requests, pids)
    runs = await _hammer(base, s.token, RUNS, school, clients, requests, pids)
    page = await _hammer(base, s.token, INVOICES, school, clients, requests, pids)
    return {
        "clients": clients,
        "trivial": trivial,
        "billing_runs": runs,
        "invoice_page": page,
        "invoice_page_p99_over_trivial_p99": round(page["p99_ms"] / trivial["p99_ms"], 2),
        "invoice_page_cpu_over_trivial_cpu": round(
            page["server_cpu_ms"] / max(trivial["server_cpu_ms"], 0.1), 1
        ),
    }
