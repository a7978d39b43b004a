"""Measurements taken from outside the code paths: peak memory, SQL statements per chunk."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from domain.access import authenticate
from domain.billing.confirm import confirm_billing_run
from domain.billing.generation import generate_chunk
from domain.billing.preview import preview_billing_run
from domain.billing.runs import create_billing_run
from domain.billing.scope import ScopeSpec
from domain.db import conn
from domain.models import BillingRun, ScopeKind
from tests.perf.floor import remove_invoices
from tests.perf.seed import Seeded

_METHODS = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)


def peak_rss_mb(pid: int, *, tree: bool = False) -> float:
    """The process's peak resident memory (VmHWM), in MB; with `tree`, the largest of the
    process and its children (`billing serve --workers N` runs N children)."""
    pids = [pid, *_children(pid)] if tree else [pid]
    peaks = [_peak_kb(p) for p in pids]
    return round(max(peaks) / 1024, 1) if peaks else float("nan")


def server_processes(pid: int) -> list[int]:
    """`billing serve`'s process and its children (the servers of `--workers N`)."""
    return [pid, *_children(pid)]


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.append(int(child))
    return found


@contextmanager
def counting(client_class: type) -> Iterator[list[str]]:
    """Count every statement sent through a Tortoise client class (and its subclasses)."""
    seen: list[str] = []
    originals = {name: getattr(client_class, name) for name in _METHODS}

    def wrap(name: str) -> Any:
        original = originals[name]

        async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query.strip().split()[0].upper())
            return await original(self, query, *args, **kwargs)

        return counted

    for name in _METHODS:
        setattr(client_class, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client_class, name, original)


async def _new_run(s: Seeded) -> tuple[Any, BillingRun]:
    caller = await authenticate(s.token)
    assert caller is not None
    run = await create_billing_run(
        caller,
        school_id=s.school_id,
        term_id=s.term_id,
        fee_structure_id=s.fee_structure_id,
        scope=ScopeSpec(ScopeKind.ALL_STUDENTS),
        invoice_date=date(2026, 1, 5),
        due_date=date(2026, 2, 5),
    )
    return caller, run


async def explain_preview(s: Seeded, path: Path) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements a preview prices with, saved to `path`
    (PostgreSQL): run on the data as the seeding left it, before the timed preview."""
    from domain.billing import pricing
    from domain.billing.sql import fetch

    caller, run = await _new_run(s)
    plans: list[str] = []
    original = pricing.execute

    async def explained(connection: Any, text: str, params: list[Any]) -> int:
        rows = await fetch(connection, "EXPLAIN (ANALYZE, BUFFERS) " + text, params)
        plans.append("\n".join(str(r["QUERY PLAN"]) for r in rows))
        return 0

    pricing.execute = explained  # type: ignore[assignment]
    try:
        await preview_billing_run(caller, run.id)
    finally:
        pricing.execute = original  # type: ignore[assignment]
    await BillingRun.filter(id=run.id).delete()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(plans) + "\n")  # noqa: ASYNC240


async def statements_per_chunk(s: Seeded) -> int:
    """SQL statements one generation chunk sends (measured on a real chunk of a real run)."""
    caller, run = await _new_run(s)
    await preview_billing_run(caller, run.id)
    sent: list[int] = []

    async def record(run_id: int, chunks: list[int]) -> None:
        sent.extend(chunks)

    await confirm_billing_run(caller, run.id, dispatch=record)
    base = type(conn()).__mro__[0]
    with counting(base) as seen:
        await generate_chunk(run.id, sent[0])
    for chunk in sent[1:]:
        await generate_chunk(run.id, chunk)
    await remove_invoices(s, run_id=run.id)
    await BillingRun.filter(id=run.id).delete()
    from domain.models import School

    await School.filter(id=s.school_id).update(last_invoice_number=s.students // 10)
    return len(seen)
