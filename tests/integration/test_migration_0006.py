"""Migration 0006 on existing rows: keys computed, look-alikes refused loudly, e-mails per account."""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from domain import db
from tests import services

BEFORE = "models.0005_lookup_indexes"


async def _migrate_to_0005(url: str) -> None:
    await tortoise_migrate(config=db.tortoise_config(url), target=BEFORE)
    await db.close_db()


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest) -> str:
    """An empty database of each kind, migrated up to 0005 (PostgreSQL when reachable)."""
    if request.param == "sqlite":
        url = f"sqlite://{Path(tempfile.mkdtemp(prefix='billing-m6-')) / 'm6.sqlite3'}"
    else:
        if not services.postgres_available():
            pytest.skip("PostgreSQL unreachable")
        name = os.environ.get("BILLING_TEST_DB_NAME", "billing_test_main") + "_m6"
        url = asyncio.run(services.recreate_pg_database(name))
    asyncio.run(_migrate_to_0005(url))
    return url


async def _sql(url: str, *statements: tuple[str, list[Any]]) -> list[list[dict[str, Any]]]:
    await db.init_db(url)
    try:
        c = db.conn()
        return [(await c.execute_query(db.sql(c, q), p))[1] for q, p in statements]
    finally:
        await db.close_db()


async def _school_with(url: str, numbers: list[str], school: int = 1) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    statements: list[tuple[str, list[Any]]] = []
    if school == 1:
        statements.append(("INSERT INTO account (name, created_at) VALUES ($1, $2)", ["A", now]))
    statements.append(
        (
            "INSERT INTO school (account_id, name, currency, last_invoice_number, created_at) "
            "VALUES (1, $1, 'KES', 0, $2)",
            [f"School {school}", now],
        )
    )
    statements += [
        (
            "INSERT INTO student (school_id, admission_number, first_name, last_name, status, "
            "created_at) VALUES ($1, $2, 'F', 'L', 'ACTIVE', $3)",
            [school, n, now],
        )
        for n in numbers
    ]
    statements.append(
        (
            "INSERT INTO term (school_id, name, start_date, end_date) "
            "VALUES ($1, 'Term １ 2026', '2026-01-05', '2026-04-05')",
            [school],
        )
    )
    await _sql(url, *statements)


async def test_existing_rows_get_their_key_and_look_alikes_apart_stay_apart(
    fresh_url: str,
) -> None:
    # given students and a term written before 0006 (look-alikes only across schools)
    await _school_with(fresh_url, ["RA/0200", "ＲＢ/０２００ "])
    await _school_with(fresh_url, ["ra/0200"], school=2)
    # when
    await db.migrate_db(fresh_url)
    # then every row has its key, and the values as typed are kept
    students, terms = await _sql(
        fresh_url,
        ("SELECT admission_number, admission_key FROM student ORDER BY id", []),
        ("SELECT name, name_key FROM term ORDER BY id", []),
    )
    assert [(r["admission_number"], r["admission_key"]) for r in students] == [
        ("RA/0200", "ra/0200"),
        ("ＲＢ/０２００ ", "rb/0200"),
        ("ra/0200", "ra/0200"),
    ]
    assert {r["name_key"] for r in terms} == {"term 1 2026"}


async def test_look_alikes_in_one_school_stop_the_migration_and_change_nothing(
    fresh_url: str,
) -> None:
    # given two students of one school whose numbers differ only in case
    await _school_with(fresh_url, ["RA/0200", "ra/0200", "RC/1"])
    # when migrating: it stops, naming both rows
    with pytest.raises(Exception, match=r"student of school 1: id 1 'RA/0200' and id 2 'ra/0200'"):
        await db.migrate_db(fresh_url)
    await db.close_db()
    # then nothing of 0006 was applied (no key column), and once renamed it migrates
    with pytest.raises(Exception):  # noqa: B017 - the column does not exist (either driver's error)
        await _sql(fresh_url, ("SELECT admission_key FROM student", []))
    await _sql(fresh_url, ("UPDATE student SET admission_number = 'RA/0201' WHERE id = 2", []))
    await db.migrate_db(fresh_url)
    (keys,) = await _sql(fresh_url, ("SELECT admission_key FROM student ORDER BY id", []))
    assert [r["admission_key"] for r in keys] == ["ra/0200", "ra/0201", "rc/1"]


async def test_the_same_email_may_serve_two_accounts_after_0006(fresh_url: str) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await db.migrate_db(fresh_url)
    insert_user = (
        "INSERT INTO app_user (account_id, email, role, created_at) VALUES ($1, $2, 'ADMIN', $3)"
    )
    await _sql(
        fresh_url,
        ("INSERT INTO account (name, created_at) VALUES ('A', $1)", [now]),
        ("INSERT INTO account (name, created_at) VALUES ('B', $1)", [now]),
        (insert_user, [1, "jo@example.org", now]),
        (insert_user, [2, "jo@example.org", now]),
    )
    with pytest.raises(Exception):  # noqa: B017 - a unique violation (either driver's error)
        await _sql(fresh_url, (insert_user, [1, "jo@example.org", now]))
