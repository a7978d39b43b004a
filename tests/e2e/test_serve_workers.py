"""`billing serve --workers N`: N server processes share the port and all answer queries;
the embedded mode refuses more than one."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.ids import encode_id
from domain.db import conn, is_postgres
from tests import services
from tests.factories import Factory
from tests.servers import BillingProcesses, _billing_command

pytestmark = pytest.mark.e2e

QUERY = "query($s: ID!) { node(id: $s) { ... on School { name } } }"


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    yield os.environ.get("BILLING_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")


def _children(pid: int) -> list[int]:
    """The server processes under uvicorn's supervisor (not multiprocessing's helpers)."""
    pids = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


def _cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def test_two_server_processes_share_the_port_and_both_answer(
    db: str, redis_url: str, factory: Factory
) -> None:
    if not is_postgres(conn()):
        pytest.skip("several server processes need PostgreSQL")
    account = await factory.account()
    admin = await factory.actor(account)
    school = await factory.school(account)
    variables = {"s": encode_id("School", school.school.id)}
    with BillingProcesses(database_url=db, redis_url=redis_url) as procs:
        base = procs.serve("serve-workers", "--workers", "2")
        await asyncio.to_thread(procs.wait_until, base, "/readyz", name="serve-workers")
        supervisor = procs.procs[0][1].pid
        # given two server processes under the supervisor
        servers = _children(supervisor)
        assert len(servers) == 2, procs.log_tail("serve-workers")
        before = {pid: _cpu_ticks(pid) for pid in servers}

        # when 200 queries arrive, each on a connection of its own
        async def one() -> dict[str, object]:
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                response = await http.post(
                    "/graphql",
                    json={"query": QUERY, "variables": variables},
                    headers={"Authorization": f"Bearer {admin.token}"},
                )
            assert response.status_code == 200, response.text
            body: dict[str, object] = response.json()
            return body

        bodies = await asyncio.gather(*(one() for _ in range(200)))

        # then every one is answered, and both processes did part of the work
        assert all(b == {"data": {"node": {"name": school.school.name}}} for b in bodies)
        worked = {pid: _cpu_ticks(pid) - before[pid] for pid in servers}
        assert all(ticks >= 2 for ticks in worked.values()), worked
        assert sorted(_children(supervisor)) == sorted(servers), "no server process died"


def test_the_embedded_mode_refuses_more_than_one_server_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = f"sqlite://{tmp_path / 'embedded.sqlite3'}"
    done = subprocess.run(
        [*_billing_command(), "serve", "--workers", "2", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(re.sub("[│╭╮╰╯─]", " ", done.stderr).split())  # out of typer's box
    assert "needs REDIS_URL and a PostgreSQL DATABASE_URL" in said, done.stderr
    assert not (tmp_path / "embedded.sqlite3").exists(), "refused before migrating"
