"""Fixtures of the fault tests: a PostgreSQL database, a Redis of the test's own, processes.

Every test here starts its own processes (ended when the test ends, whatever happens),
uses its own redis-server (or, without the binary, a private database of the test Redis),
and bounds every wait in time and count. Helpers live in tests/faults/support.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from domain.db import conn, is_postgres
from tests import services
from tests.faults.support import (
    REDIS_SERVER,
    FaultProcesses,
    OwnRedis,
    db_name,
    faults_redis_url,
)


@pytest.fixture
def pg(db: str) -> str:
    """The test database, PostgreSQL only (fault tests speak to real processes)."""
    if not is_postgres(conn()):
        if services.services_required():
            pytest.fail("BILLING_REQUIRE_SERVICES=1 but the tests run on SQLite")
        pytest.skip("fault tests need PostgreSQL (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    return db


@pytest.fixture
def tag(pg: str) -> str:
    """Names this session's logs apart from a concurrent session's (by database name)."""
    return f"faults-{db_name(pg)}"


@pytest.fixture
def own_redis(tag: str) -> Iterator[OwnRedis]:
    """A private redis-server, stopped at the end of the test."""
    if not REDIS_SERVER:
        if services.services_required():
            pytest.fail("BILLING_REQUIRE_SERVICES=1 but redis-server is not on PATH")
        pytest.skip("redis-server is not on PATH (set BILLING_REQUIRE_SERVICES=1 to fail)")
    server = OwnRedis(tag)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(request: pytest.FixtureRequest, tag: str) -> Iterator[str]:
    """A Redis of this test alone: its own redis-server when one can be started, otherwise
    a private database of the test Redis (BILLING_FAULTS_REDIS_URL, default db 9), emptied
    before and after (never FLUSHALL)."""
    if REDIS_SERVER:
        server: OwnRedis = request.getfixturevalue("own_redis")
        yield server.url
        return
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    import redis

    url = faults_redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
async def procs(pg: str, redis_url: str, tag: str) -> AsyncIterator[FaultProcesses]:
    """`billing` processes of this test, and its GraphQL clients; all ended when it ends."""
    with FaultProcesses(database_url=pg, redis_url=redis_url, tag=tag) as p:
        try:
            yield p
        finally:
            await p.close_clients()
