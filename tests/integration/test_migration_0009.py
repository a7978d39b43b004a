"""Migration 0009 on a database that already holds payments and cancelled invoices: every
old payment gets its school, student, receipt number and allocation; every cancelled invoice
its credit note; the money invariants hold afterwards."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from domain import db as dbmod
from domain.models import CreditNote, Invoice, Payment, PaymentAllocation, School
from tests import services
from tests.invariants import assert_money_exact

BEFORE = "models.0005_lookup_indexes"

OLD_DATA = [
    "INSERT INTO account (id, name, created_at) VALUES (1, 'A', '2025-01-01 00:00:00+00')",
    "INSERT INTO school (id, account_id, name, currency, last_invoice_number, created_at) "
    "VALUES (1, 1, 'S', 'KES', 3, '2025-01-01 00:00:00+00')",
    "INSERT INTO student (id, school_id, admission_number, first_name, last_name, status, "
    "created_at) VALUES (1, 1, 'A1', 'Amina', 'Otieno', 'ACTIVE', '2025-01-01 00:00:00+00')",
    *(
        "INSERT INTO term (id, school_id, name, start_date, end_date) "
        f"VALUES ({n}, 1, 'T{n}', '2025-01-06', '2025-04-04')"
        for n in (1, 2, 3)
    ),
    "INSERT INTO fee_structure (id, school_id, name, created_at) "
    "VALUES (1, 1, 'Fees', '2025-01-01 00:00:00+00')",
    *(
        "INSERT INTO invoice (id, school_id, student_id, term_id, fee_structure_id, number, "
        f"invoice_date, due_date, status, total, amount_paid, created_at, cancelled_at, "
        f"cancellation_reason) VALUES ({n}, 1, 1, {n}, 1, 'INV-2025-00000{n}', '2025-01-06', "
        f"'2025-02-06', '{status}', {total}, {paid}, '2025-01-06 08:00:00+00', {cancelled}, "
        f"{reason})"
        for n, status, total, paid, cancelled, reason in [
            (1, "PARTIALLY_PAID", "1000.00", "300.00", "NULL", "NULL"),
            (2, "PAID", "500.00", "500.00", "NULL", "NULL"),
            (3, "CANCELLED", "700.00", "0.00", "'2025-03-02 10:00:00+00'", "'Twice'"),
        ]
    ),
    *(
        "INSERT INTO payment (id, invoice_id, amount, paid_on, method, recorded_at) "
        f"VALUES ({n}, {invoice}, {amount}, '{day}', 'Cash', '{day} 09:00:00+00')"
        for n, invoice, amount, day in [
            (1, 1, "100.00", "2025-01-10"),
            (2, 2, "500.00", "2025-01-11"),
            (3, 1, "200.00", "2026-01-12"),
        ]
    ),
]


async def _url(session_url: str) -> str:
    """A database of its own, on the session's kind (PostgreSQL or SQLite)."""
    if session_url.startswith("postgres"):
        name = os.environ.get("BILLING_TEST_DB_NAME", "billing_test_main") + "_mig"
        return await services.recreate_pg_database(name)
    return f"sqlite://{Path(tempfile.mkdtemp(prefix='billing-mig-')) / 'mig.sqlite3'}"


async def test_old_payments_and_cancellations_are_carried_over(database_url: str) -> None:
    url = await _url(database_url)
    await tortoise_migrate(config=dbmod.tortoise_config(url), target=BEFORE)
    await dbmod.close_db()
    await dbmod.init_db(url)
    try:
        for statement in OLD_DATA:
            await dbmod.conn().execute_script(statement)
        await dbmod.close_db()
        await dbmod.migrate_db(url)
        await dbmod.init_db(url)
        payments = await Payment.all().order_by("id")
        assert [(p.school_id, p.student_id, p.receipt_number) for p in payments] == [
            (1, 1, "RCT-2025-000001"),
            (1, 1, "RCT-2025-000002"),
            (1, 1, "RCT-2026-000003"),
        ]
        parts = await PaymentAllocation.all().order_by("payment_id")
        assert [(a.payment_id, a.invoice_id, str(a.amount)) for a in parts] == [
            (1, 1, "100.00"),
            (2, 2, "500.00"),
            (3, 1, "200.00"),
        ]
        notes = await CreditNote.all()
        assert [(n.invoice_id, n.number, str(n.amount), n.reason) for n in notes] == [
            (3, "CN-2025-000001", "700.00", "Twice")
        ]
        assert str((await Invoice.get(id=3)).credited_amount) == "700.00"
        school = await School.get(id=1)
        assert (school.last_receipt_number, school.last_credit_note_number) == (3, 1)
        await assert_money_exact()
    finally:
        await dbmod.close_db()
