"""Preview, confirm and generation price every random school exactly as the oracle does,
to the cent, on PostgreSQL (when reachable) and on SQLite."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from domain.billing.confirm import confirm_billing_run
from domain.billing.preview import preview_billing_run
from domain.models import (
    BillingRun,
    BillingRunItem,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PreviewCharge,
    PreviewLine,
    RunLine,
)
from tests.billing_helpers import Recorder, new_run
from tests.factories import SchoolSet
from tests.pricing_oracle import Priced, World, price
from tests.pricing_world import Built, build, money, worlds
from tests.tables import empty_tables


@pytest.fixture(scope="module")
def sqlite_url() -> Iterator[str]:
    from domain.db import migrate_db

    url = f"sqlite://{Path(tempfile.mkdtemp(prefix='billing-oracle-')) / 'oracle.sqlite3'}"
    asyncio.run(migrate_db(url))
    yield url


def _expected_lines(built: Built, priced: Priced) -> list[tuple[Any, ...]]:
    return [
        (
            line.kind,
            built.items[line.ref] if line.kind == "CHARGE" else None,
            built.discounts[line.ref] if line.kind == "DISCOUNT" else None,
            line.description,
            money(line.cents),
        )
        for line in priced.lines
    ]


def _stored(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (r.kind, r.fee_item_id, r.discount_id, r.description, Decimal(r.amount))
        for r in sorted(rows, key=lambda r: r.position)
    ]


async def _check(url: str, world: World) -> None:
    from domain import db as dbmod

    await dbmod.init_db(url)
    try:
        await empty_tables()
        built = await build(world)
        expected = price(world)
        school = SchoolSet(await _school(built), await _term(built), [], [], [], await _fee(built))
        run = await new_run(built.actor, school)
        excluded = [built.students[i] for i, s in enumerate(world.students) if s.excluded]
        run = await preview_billing_run(built.actor.caller, run.id, excluded)
        billed = [i for i, p in enumerate(expected) if p.reason is None]

        # the preview: every student in scope, with reason, amounts and lines
        for i, p in enumerate(expected):
            sid = built.students[i]
            line = await PreviewLine.get(run_id=run.id, student_id=sid)
            charges = await PreviewCharge.filter(run_id=run.id, student_id=line.priced_as)
            assert _stored(charges) == _expected_lines(built, p), (i, p)
            assert (line.exclusion_reason, line.amount, line.gross_amount) == (
                p.reason,
                money(p.net),
                money(p.gross),
            ), (i, p)
            assert line.discount_amount == money(p.discount)
        assert run.preview_invoice_count == len(billed)
        assert run.preview_total == money(sum(expected[i].net for i in billed))
        assert run.preview_gross == money(sum(expected[i].gross for i in billed))
        assert run.preview_discount == money(sum(expected[i].discount for i in billed))
        if not billed:
            return

        # confirm freezes the same lines; generation copies them into the invoices
        recorder = Recorder()
        await confirm_billing_run(
            built.actor.caller,
            run.id,
            dispatch=recorder,
            expected_invoice_count=run.preview_invoice_count,
            expected_total=run.preview_total,
        )
        for i in billed:
            sid = built.students[i]
            item = await BillingRunItem.get(run_id=run.id, student_id=sid)
            frozen = await RunLine.filter(run_id=run.id, student_id=item.priced_as)
            assert _stored(frozen) == _expected_lines(built, expected[i]), (i, expected[i])
            assert item.amount == money(expected[i].net)
        await recorder.drain()
        done = await BillingRun.get(pk=run.id)
        assert done.items_invoiced == len(billed)
        assert done.invoiced_amount == run.preview_total
        for i in billed:
            invoice = await Invoice.get(billing_run_id=run.id, student_id=built.students[i])
            assert invoice.total == money(expected[i].net)
            paid = InvoiceStatus.PAID if expected[i].net == 0 else InvoiceStatus.ISSUED
            assert invoice.status == paid
            lines = await InvoiceLine.filter(invoice_id=invoice.id)
            assert _stored(lines) == _expected_lines(built, expected[i]), (i, expected[i])
    finally:
        await dbmod.close_db()


async def _school(built: Built) -> Any:
    from domain.models import School

    return await School.get(pk=built.school_id)


async def _term(built: Built) -> Any:
    from domain.models import Term

    return await Term.get(pk=built.term_id)


async def _fee(built: Built) -> Any:
    from domain.models import FeeStructure

    return await FeeStructure.get(pk=built.fee_structure_id)


_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    # Each example is a school in a database: shrinking one costs minutes, not seconds.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@_SETTINGS
@given(world=worlds())
def test_priced_lines_equal_the_oracle_on_the_session_database(
    database_url: str, world: World
) -> None:
    asyncio.run(_check(database_url, world))


@_SETTINGS
@given(world=worlds())
def test_priced_lines_equal_the_oracle_on_sqlite(sqlite_url: str, world: World) -> None:
    asyncio.run(_check(sqlite_url, world))
