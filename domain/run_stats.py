"""Figures for operators across all accounts: how many billing runs are in each status."""

from __future__ import annotations

from domain import db
from domain.models import RunStatus


async def count_runs_by_status() -> dict[str, int]:
    """Every run status with its number of runs (0 when none), in one GROUP BY query."""
    rows = await db.conn().execute_query_dict(
        "SELECT status, COUNT(*) AS n FROM billing_run GROUP BY status"
    )
    counts = {status.value: 0 for status in RunStatus}
    for row in rows:
        counts[str(row["status"])] = int(row["n"])
    return counts
