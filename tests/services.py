"""Which PostgreSQL and Redis the tests use, found once per session; loud about fallbacks."""

from __future__ import annotations

import asyncio
import os
import sys
from functools import cache

PG_ADMIN_URL = os.environ.get(
    "BILLING_TEST_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BILLING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    return os.environ.get("BILLING_REQUIRE_SERVICES") == "1"


async def _pg_reachable() -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=3
        )
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def recreate_pg_database(name: str) -> str:
    """Drop and create a database on the test server; its URL."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@cache
def postgres_available() -> bool:
    ok = asyncio.run(_pg_reachable())
    if not ok:
        if services_required():
            raise RuntimeError(
                f"BILLING_REQUIRE_SERVICES=1 but PostgreSQL is unreachable at {PG_ADMIN_URL}"
            )
        print(
            f"\n*** PostgreSQL unreachable at {PG_ADMIN_URL}: tests fall back to SQLite ***\n",
            file=sys.stderr,
        )
    return ok


@cache
def redis_available() -> bool:
    import redis

    try:
        ok = bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        ok = False
    if not ok and services_required():
        raise RuntimeError(f"BILLING_REQUIRE_SERVICES=1 but Redis is unreachable at {REDIS_URL}")
    return ok
