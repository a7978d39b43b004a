"""The tables of the models, read from Tortoise's registry (a new model is never forgotten),
and snapshots of their rows to prove that nothing changed."""

from __future__ import annotations

import hashlib

from tortoise import Tortoise
from tortoise.models import Model

from domain.db import conn, is_postgres


def _references(model: type[Model]) -> set[str]:
    meta = model._meta
    return {
        meta.fields_map[name].related_model._meta.db_table
        for name in meta.fk_fields | meta.o2o_fields
    }


def tables() -> list[str]:
    """Every model's table, each after the tables that refer to it (safe to empty in order).

    Many-to-many through tables come first: they only refer. Needs Tortoise initialised.
    """
    models = {m._meta.db_table: m for app in Tortoise.apps.values() for m in app.values()}
    through = sorted(
        {
            str(m._meta.fields_map[name].through)
            for m in models.values()
            for name in m._meta.m2m_fields
        }
    )
    referred_by: dict[str, set[str]] = {table: set() for table in models}
    for table, model in models.items():
        for target in _references(model) - {table}:
            referred_by[target].add(table)
    ordered: list[str] = []
    while referred_by:
        # Tables no remaining table refers to, in name order so that the order is stable.
        free = sorted(t for t, refs in referred_by.items() if not refs)
        assert free, f"a cycle of foreign keys among {sorted(referred_by)}"
        ordered.extend(free)
        for table in free:
            del referred_by[table]
        for refs in referred_by.values():
            refs.difference_update(free)
    return through + ordered


async def empty_tables() -> None:
    """Every table emptied (identities restarted on PostgreSQL), for a test's fresh start."""
    c = conn()
    if is_postgres(c):
        await c.execute_script(f"TRUNCATE {', '.join(tables())} RESTART IDENTITY CASCADE")
    else:
        for table in tables():
            await c.execute_script(f"DELETE FROM {table}")


async def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row (all columns) of every table."""
    c = conn()
    state = {}
    for table in tables():
        _, rows = await c.execute_query(f"SELECT * FROM {table} ORDER BY 1")
        digest = hashlib.sha256(repr([sorted(dict(r).items()) for r in rows]).encode())
        state[table] = (len(rows), digest.hexdigest()[:16])
    return state


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    """The tables whose rows differ between two snapshots."""
    return [t for t in before if before[t] != after.get(t)]
