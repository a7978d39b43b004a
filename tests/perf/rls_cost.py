"""What PostgreSQL row-level security would cost: a 100k-student preview selection and an
invoice page, timed with and without a policy keyed on a session setting.

Run: .venv/bin/python tests/perf/rls_cost.py  (needs the test PostgreSQL; makes its own
database `billing_rls_cost` and drops it afterwards). Not part of the test suite.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import asyncpg

ADMIN = os.environ.get("BILLING_TEST_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
NAME = "billing_rls_cost"
STUDENTS = 100_000
REPEAT = 15

SCHEMA = """
CREATE TABLE student (id serial PRIMARY KEY, school_id int NOT NULL, status text NOT NULL,
                      last_name text NOT NULL, first_name text NOT NULL);
CREATE INDEX ON student (school_id);
CREATE TABLE invoice (id bigserial PRIMARY KEY, school_id int NOT NULL, student_id int NOT NULL,
                      term_id int NOT NULL, fee_structure_id int NOT NULL, status text NOT NULL,
                      created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON invoice (school_id, created_at);
CREATE INDEX ON invoice (student_id, fee_structure_id, term_id);
INSERT INTO student (school_id, status, last_name, first_name)
  SELECT 1 + (g % 2), CASE WHEN g % 17 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
         'Last' || g, 'First' || g FROM generate_series(1, {n}) g;
INSERT INTO invoice (school_id, student_id, term_id, fee_structure_id, status, created_at)
  SELECT school_id, id, 1, 1, 'ISSUED', now() - (id || ' seconds')::interval
  FROM student WHERE id % 3 = 0;
ANALYZE;
CREATE ROLE rls_app NOLOGIN;
GRANT SELECT ON student, invoice TO rls_app;
"""

POLICY = """
ALTER TABLE student ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_school ON student
  USING (school_id = ANY (string_to_array(current_setting('app.school_ids'), ',')::int[]));
CREATE POLICY by_school ON invoice
  USING (school_id = ANY (string_to_array(current_setting('app.school_ids'), ',')::int[]));
"""

#: The preview's shape: every student of the school, with whether a live invoice exists.
SELECTION = """
SELECT COUNT(*), SUM(CASE WHEN i.id IS NULL AND s.status = 'ACTIVE' THEN 1 ELSE 0 END)
FROM student s
LEFT JOIN invoice i ON i.student_id = s.id AND i.fee_structure_id = 1 AND i.term_id = 1
                   AND i.status <> 'CANCELLED'
WHERE s.school_id = $1
"""
PAGE = """SELECT id, student_id, status FROM invoice WHERE school_id = $1
          ORDER BY created_at DESC, id DESC LIMIT 21"""
COUNT = "SELECT COUNT(*) FROM invoice WHERE school_id = $1"


async def timed(conn: asyncpg.Connection, sql: str) -> float:
    """Median milliseconds of a statement, after one warm-up."""
    await conn.fetch(sql, 1)
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        await conn.fetch(sql, 1)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def measure(conn: asyncpg.Connection, label: str) -> dict[str, float]:
    found = {
        name: await timed(conn, sql)
        for name, sql in [("selection", SELECTION), ("page", PAGE), ("count", COUNT)]
    }
    print(f"{label:28} " + "  ".join(f"{k} {v:7.2f} ms" for k, v in found.items()))
    return found


async def main() -> None:
    admin = await asyncpg.connect(ADMIN.replace("postgres://", "postgresql://"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await admin.execute("DROP ROLE IF EXISTS rls_app")
    await admin.execute(f'CREATE DATABASE "{NAME}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + f"/{NAME}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(SCHEMA.format(n=STUDENTS))
        await conn.execute("SET ROLE rls_app")
        plain = await measure(conn, "no policy")
        await conn.execute("RESET ROLE")
        await conn.execute(POLICY)
        await conn.execute("SET ROLE rls_app")
        await conn.execute("SET app.school_ids = '1'")
        secured = await measure(conn, "policy, one school")
        await conn.execute("SET app.school_ids = '" + ",".join(map(str, range(1, 51))) + "'")
        many = await measure(conn, "policy, 50 schools (ADMIN)")
        for name in plain:
            print(
                f"{name}: +{secured[name] - plain[name]:.2f} ms one school, "
                f"+{many[name] - plain[name]:.2f} ms fifty"
            )
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await admin.execute("DROP ROLE IF EXISTS rls_app")
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
