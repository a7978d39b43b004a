"""Shared fixtures: a migrated database per session, a clean one per test, callers, GraphQL."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests import services
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.tables import empty_tables

# Share links are signed; PostgreSQL is the production shape, which requires a key (the
# served processes the tests start inherit it).
os.environ.setdefault("BILLING_SECRET_KEY", "test-only-share-link-key")


def _database_url(worker: str) -> str:
    explicit = os.environ.get("BILLING_TEST_DATABASE_URL")
    if explicit:
        return explicit
    if services.postgres_available():
        name = os.environ.get("BILLING_TEST_DB_NAME", f"billing_test_{worker}")
        return asyncio.run(services.recreate_pg_database(name))
    path = Path(tempfile.mkdtemp(prefix="billing-test-")) / "test.sqlite3"
    return f"sqlite://{path}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say in the run's header which database and Redis the tests use (loud about fallbacks)."""
    if os.environ.get("BILLING_TEST_DATABASE_URL"):
        database = os.environ["BILLING_TEST_DATABASE_URL"]
    elif services.postgres_available():
        database = f"PostgreSQL at {services.PG_ADMIN_URL.rsplit('/', 1)[0]}"
    else:
        database = "SQLite (PostgreSQL UNREACHABLE: falling back; services-only tests skip)"
    redis_state = "Redis " + ("reachable" if services.redis_available() else "UNREACHABLE")
    return [f"billing tests: database {database}; {redis_state}"]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A freshly migrated database for the whole session (PostgreSQL when reachable)."""
    from domain.db import migrate_db

    url = _database_url(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    asyncio.run(migrate_db(url))
    os.environ["DATABASE_URL"] = url
    from domain.settings import get_settings

    get_settings.cache_clear()
    yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """Connections on this test's loop, over emptied tables."""
    from domain import db as dbmod

    await dbmod.init_db(database_url)
    await empty_tables()
    try:
        yield database_url
    finally:
        await dbmod.close_db()


@pytest.fixture
async def factory(db: str) -> Factory:
    return Factory()


@pytest.fixture
async def http(db: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client bound to the app (the test owns the database connections)."""
    from api.app import create_app

    app = create_app(manage_runtime=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, None)
