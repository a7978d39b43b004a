"""`billing serve` and `billing worker` start as real processes and report themselves ready."""

from __future__ import annotations

import os

import httpx
import pytest

from domain.db import conn, is_postgres
from tests import services
from tests.servers import BillingProcesses

pytestmark = pytest.mark.e2e


async def test_embedded_serve_is_healthy_ready_and_refuses_anonymous_calls(db: str) -> None:
    # given `billing serve` with no REDIS_URL (the embedded default)
    with BillingProcesses(database_url=db) as procs:
        base = procs.serve("serve-embedded")
        # then it lives, is ready, and asks for a token
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            anonymous = await client.post("/graphql", json={"query": "{ viewer { email } }"})
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_serve_and_worker_on_postgres_and_redis_are_ready(db: str) -> None:
    if not is_postgres(conn()):
        pytest.skip("the production shape needs PostgreSQL")
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    redis_url = os.environ.get("BILLING_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
    # given a server and a worker on PostgreSQL and Redis
    with BillingProcesses(database_url=db, redis_url=redis_url) as procs:
        base = procs.serve("serve-redis")
        worker = procs.worker("worker-redis")
        # then the server is ready (database and Redis answer) and the worker keeps running
        procs.wait_until(base, "/readyz", name="serve-redis")
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            body = (await client.get("/readyz")).json()
        assert body == {"status": "ok", "database": "ok", "redis": "ok"}
        assert worker.poll() is None, procs.log_tail("worker-redis")
