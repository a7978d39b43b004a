"""Migration 0008 rewrites guardians' phones stored before E.164, as of the school's country."""

from __future__ import annotations

from pathlib import Path

from tortoise import connections
from tortoise.migrations.api.migrate import migrate

from domain import db
from domain.db import tortoise_config


async def test_phones_stored_before_e164_are_rewritten(tmp_path: Path) -> None:
    # given a database at 0005 with phones as people typed them
    url = f"sqlite://{tmp_path}/before.sqlite3"
    await migrate(config=tortoise_config(url), target="models.0005_lookup_indexes")
    await connections.close_all()
    await db.init_db(url)
    c = db.conn()
    await c.execute_script(
        "INSERT INTO account (name, created_at) VALUES ('A', '2026-01-01');"
        "INSERT INTO school (account_id, name, currency, last_invoice_number, created_at) "
        "VALUES (1, 'Kenyan', 'KES', 0, '2026-01-01'), (1, 'Dollar', 'USD', 0, '2026-01-01');"
        "INSERT INTO student (school_id, admission_number, first_name, last_name, status, "
        "guardian_phone, created_at) VALUES "
        "(1, 'A1', 'a', 'b', 'ACTIVE', '0712 345 678', '2026-01-01'),"
        "(1, 'A2', 'a', 'b', 'ACTIVE', '+254 700 000 001', '2026-01-01'),"
        "(2, 'B1', 'a', 'b', 'ACTIVE', '0771 234 567', '2026-01-01'),"
        "(2, 'B2', 'a', 'b', 'ACTIVE', '+263 77 123 4567', '2026-01-01'),"
        "(1, 'A3', 'a', 'b', 'ACTIVE', 'call me', '2026-01-01')"
    )
    await db.close_db()
    # when the migrations run on
    await db.migrate_db(url)
    # then readable numbers are E.164; a local number of a many-country currency (USD) and
    # an unreadable one stay as they were
    await db.init_db(url)
    try:
        rows = await db.conn().execute_query_dict(
            "SELECT admission_number, guardian_phone FROM student ORDER BY id"
        )
    finally:
        await db.close_db()
    assert [(r["admission_number"], r["guardian_phone"]) for r in rows] == [
        ("A1", "+254712345678"),
        ("A2", "+254700000001"),
        ("B1", "0771 234 567"),
        ("B2", "+263771234567"),
        ("A3", "call me"),
    ]
