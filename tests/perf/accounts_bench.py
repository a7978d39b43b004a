"""Benchmark: accounts on PostgreSQL, against their targets.

    .venv/bin/python -m tests.perf.accounts_bench [--students 100000] [--repeats 20]

A school of N students (tests.perf.seed) is billed twice in this process, each run timed
from confirm to COMPLETED against the set-based floor for the same rows: first with no
credit, then after 25% of the students were given unallocated credit that the run spends
(target: at most 1.5x the floor). The second run is kept; half-payments, opening balances
and one student with 5 years of history (15 invoices, 60 payments) are added; a 20,000-row
statement is imported and confirmed (against recording its rows one by one); and a real
`billing serve` answers `School.receivables` (target: 1 s) and that student's statement
(target: 50 ms) over HTTP. Prints a table and one JSON line of medians. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from tortoise.transactions import in_transaction

from api.ids import encode_id
from domain import db
from domain.access import Caller, authenticate
from domain.billing.confirm import confirm_billing_run
from domain.billing.preview import preview_billing_run
from domain.models import (
    BillingRun,
    ImportFormat,
    Invoice,
    InvoiceLine,
    PaymentImportLine,
    School,
    Student,
    Term,
)
from domain.money.imports import confirm_import, create_payment_import
from domain.money.numbers import lock_school_money
from domain.money.payment_input import PaymentIn
from domain.money.payments import receive_for_student, receive_payment
from tests.billing_helpers import Recorder, draft_run
from tests.perf.floor import floor_seconds, remove_invoices
from tests.perf.seed import Seeded, seed_school
from tests.servers import BillingProcesses
from tests.services import recreate_pg_database

DB_NAME = os.environ.get("BILLING_BENCH_DB_NAME", "billing_bench") + "_accounts"
TARGETS = {"statement_ms": 50.0, "receivables_ms": 1000.0, "credit_run_over_floor": 1.5}
RECEIVABLES = """query($id: ID!) { node(id: $id) { ... on School {
  receivables(asOf: "2026-03-31") { total { amount } buckets { label invoiceCount amount { amount } }
    byGrade { grade { name } studentCount amount { amount } } } } } }"""
STATEMENT = """query($id: ID!) { node(id: $id) { ... on Student { ledger { balance { amount }
  statement(from: "2022-01-01", to: "2026-12-31") { openingBalance { amount }
    totalInvoiced { amount } totalPaid { amount } closingBalance { amount }
    entries { date kind reference description debit { amount } credit { amount }
      balance { amount } } } } } } }"""


async def timed_run(caller: Caller, s: Seeded) -> tuple[float, int]:
    """Bill every student in this process; (seconds from confirm to COMPLETED, run id)."""
    run = await draft_run(caller, s.school_id, s.term_id, s.fee_structure_id)
    await preview_billing_run(caller, run.id)
    recorder = Recorder()
    started = time.perf_counter()
    await confirm_billing_run(caller, run.id, dispatch=recorder)
    await recorder.drain()
    seconds = time.perf_counter() - started
    assert (await BillingRun.get(id=run.id)).status == "COMPLETED"
    return seconds, run.id


async def sql(text: str, *params: Any) -> None:
    await db.conn().execute_query(text, list(params))


async def give_credit(s: Seeded) -> None:
    """A quarter of the students paid 5,000.00 ahead: credit the next run spends."""
    await sql(
        """INSERT INTO payment (school_id, student_id, receipt_number, channel, amount,
              unallocated_amount, paid_on, method, recorded_at)
        SELECT $1, id, 'AHEAD-' || id, 'MANUAL', 5000, 5000, $2, 'Cash', now()
        FROM student WHERE school_id = $1 AND id % 4 = 0""",
        s.school_id,
        date(2025, 12, 20),
    )


async def add_money(s: Seeded, run_id: int) -> None:
    """Half of a third of the run's invoices paid; opening balances owed by a seventh."""
    await sql(
        """INSERT INTO payment (school_id, student_id, invoice_id, receipt_number, channel,
              amount, unallocated_amount, paid_on, method, recorded_at)
        SELECT $1, student_id, id, 'HALF-' || id, 'MANUAL', ROUND((total - amount_paid) / 2, 2),
               0, $3, 'M-Pesa', now()
        FROM invoice WHERE billing_run_id = $2 AND id % 3 = 0 AND total - amount_paid > 1""",
        s.school_id,
        run_id,
        date(2026, 2, 20),
    )
    await sql(
        """INSERT INTO payment_allocation (school_id, student_id, payment_id, invoice_id, amount,
              created_at)
        SELECT school_id, student_id, id, invoice_id, amount, now() FROM payment
        WHERE school_id = $1 AND receipt_number LIKE 'HALF-%'""",
        s.school_id,
    )
    await sql(
        """UPDATE invoice i SET amount_paid = i.amount_paid + p.amount, status = 'PARTIALLY_PAID'
        FROM payment p WHERE p.invoice_id = i.id AND p.receipt_number LIKE 'HALF-%'
          AND p.school_id = $1""",
        s.school_id,
    )
    await sql(
        """INSERT INTO opening_balance (school_id, student_id, amount, allocated, as_of, updated_at)
        SELECT $1, id, 3000, 0, $2, now() FROM student
        WHERE school_id = $1 AND id % 7 = 0 AND id NOT IN (
            SELECT student_id FROM opening_balance)""",
        s.school_id,
        date(2025, 12, 31),
    )
    await db.conn().execute_script("ANALYZE")


async def five_years(caller: Caller, s: Seeded) -> int:
    """A student billed 15 terms (2022-2026) and paying each in 4 instalments: 60 payments."""
    student = await Student.create(
        school_id=s.school_id,
        admission_number="HIST-1",
        first_name="Long",
        last_name="History",
    )
    for year in range(2022, 2027):
        for term_no, month in enumerate((1, 5, 9), start=1):
            term = await Term.create(
                school_id=s.school_id,
                name=f"History term {term_no} {year}",
                start_date=date(year, month, 5),
                end_date=date(year, month + 2, 28),
            )
            invoice = await Invoice.create(
                school_id=s.school_id,
                student_id=student.id,
                term_id=term.id,
                fee_structure_id=s.fee_structure_id,
                number=f"INV-{year}-9{term_no:05d}",
                invoice_date=date(year, month, 5),
                due_date=date(year, month, 28),
                total=Decimal("30000.00"),
                amount_paid=Decimal("0.00"),
                status="ISSUED",
            )
            await InvoiceLine.create(invoice=invoice, position=1, description="Tuition",
                                     amount=Decimal("30000.00"))  # fmt: skip
            for week in range(4):
                await receive_payment(
                    caller,
                    student.id,
                    amount=Decimal("7500.00"),
                    paid_on=date(year, month, 6 + 5 * week),
                    method="M-Pesa",
                )
    return student.id


class _Undo(Exception):
    """Raised to roll the one-by-one sample back."""


async def import_times(caller: Caller, s: Seeded, rows: int, sample: int) -> tuple[float, float]:
    """confirmPaymentImport of `rows` matched rows; and the one-by-one path (a payment
    recorded and allocated per row, as before) on a sample, rolled back, scaled to `rows`."""
    content = "date,amount,reference,account\n" + "".join(
        f"2026-02-{10 + n % 18:02d},1500.00,IMP{n:06d},ADM{1 + n * 37 % s.students}\n"
        for n in range(rows)
    )
    fmt = ImportFormat.SIMPLE_CSV
    imp = await create_payment_import(caller, s.school_id, fmt, content)
    lines = await PaymentImportLine.filter(payment_import_id=imp.id, status="MATCHED").limit(sample)
    started = time.perf_counter()
    try:
        async with in_transaction() as connection:
            await lock_school_money(connection, s.school_id)
            for line in lines:
                assert line.student_id is not None and line.paid_on is not None
                paid = PaymentIn(Decimal(line.amount or 0), line.paid_on, "Cash", None)
                await receive_for_student(
                    connection, s.school_id, line.student_id, paid, user_id=None
                )
            raise _Undo
    except _Undo:
        one_by_one = (time.perf_counter() - started) * imp.matched_count / max(len(lines), 1)
    started = time.perf_counter()
    confirmed = await confirm_import(caller, imp.id)
    seconds = time.perf_counter() - started
    assert confirmed.status == "CONFIRMED" and confirmed.matched_count == rows
    return seconds, one_by_one


async def http_times(base: str, token: str, query: str, gid: str, n: int) -> list[float]:
    times = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        for _ in range(n + 1):
            started = time.perf_counter()
            response = await http.post("/graphql", json={"query": query, "variables": {"id": gid}})
            times.append(time.perf_counter() - started)
            body = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
    return times[1:]  # the first warms the server's caches


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    url = await recreate_pg_database(DB_NAME)
    await db.migrate_db(url)
    await db.init_db(url)
    s = await seed_school(args.students, label="Accounts")
    caller = await authenticate(s.token)
    assert caller is not None
    results: dict[str, Any] = {"students": args.students}
    floor, invoices = await floor_seconds(s)
    plain, run_id = await timed_run(caller, s)
    await remove_invoices(s, run_id=run_id)
    await BillingRun.filter(id=run_id).delete()
    await School.filter(id=s.school_id).update(last_invoice_number=s.students // 10)
    await give_credit(s)
    credit_floor, _ = await floor_seconds(s)
    with_credit, run_id = await timed_run(caller, s)
    spent = await db.conn().execute_query_dict(
        "SELECT COUNT(*) AS n FROM payment_allocation WHERE school_id = $1 AND payment_id IS "
        "NOT NULL AND invoice_id IN (SELECT id FROM invoice WHERE billing_run_id = $2)",
        [s.school_id, run_id],
    )
    results.update(
        invoices=invoices,
        floor_s=floor,
        run_s=plain,
        run_over_floor=plain / floor,
        credit_allocations=int(spent[0]["n"]),
        credit_floor_s=credit_floor,
        credit_run_s=with_credit,
        credit_run_over_floor=with_credit / credit_floor,
    )
    await add_money(s, run_id)
    student_id = await five_years(caller, s)
    confirm_s, one_by_one_s = await import_times(caller, s, args.import_rows, sample=2000)
    results.update(
        import_rows=args.import_rows,
        import_confirm_s=confirm_s,
        import_one_by_one_s=one_by_one_s,
        one_by_one_over_confirm=one_by_one_s / confirm_s,
    )
    await db.close_db()
    with BillingProcesses(database_url=url) as procs:
        base = procs.serve("accounts-bench")
        school_gid, student_gid = encode_id("School", s.school_id), encode_id("Student", student_id)
        receivables = await http_times(base, s.token, RECEIVABLES, school_gid, args.repeats // 4)
        statement = await http_times(base, s.token, STATEMENT, student_gid, args.repeats)
    results.update(
        receivables_ms=1000 * statistics.median(receivables),
        receivables_max_ms=1000 * max(receivables),
        statement_ms=1000 * statistics.median(statement),
        statement_max_ms=1000 * max(statement),
    )
    results["met"] = {k: results[k] <= v for k, v in TARGETS.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=20_000)
    args = parser.parse_args()
    results = asyncio.run(bench(args))
    results["machine"] = f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    for key, value in results.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<28}{shown:>30}")
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
