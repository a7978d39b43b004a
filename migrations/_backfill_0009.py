"""Data of migration 0009: payments and cancellations made before money had allocations."""

from __future__ import annotations

from typing import Any


async def backfill_payments(apps: Any, schema_editor: Any) -> None:
    """Old payments: school and student of their invoice, receipt numbers in id order."""
    await _run(schema_editor.client, 0, 3)


async def backfill_allocations(apps: Any, schema_editor: Any) -> None:
    """Each old payment paid its invoice in full (one allocation); each cancelled invoice gets
    a credit note for what it still asked."""
    await _run(schema_editor.client, 3, None)


async def _run(client: Any, start: int, end: int | None) -> None:
    pg = client.capabilities.dialect == "postgres"
    # SQLite keeps dates and times as ISO text: the day and the year are its first characters.
    year = "CAST(EXTRACT(YEAR FROM {d}) AS INTEGER)" if pg else "substr({d}, 1, 4)"
    pad = "lpad(CAST(n.rn AS TEXT), 6, '0')" if pg else "printf('%06d', n.rn)"
    day = (
        "CAST(COALESCE(i.cancelled_at, i.created_at) AS DATE)"
        if pg
        else "substr(COALESCE(i.cancelled_at, i.created_at), 1, 10)"
    )
    # SQLite keeps decimals as text: a difference is formatted back to two places.
    owed = "total - amount_paid" if pg else "printf('%.2f', total - amount_paid)"
    owed_i = owed.replace("total", "i.total").replace("amount_paid", "i.amount_paid")
    statements = [
        """UPDATE payment SET
             school_id = (SELECT i.school_id FROM invoice i WHERE i.id = payment.invoice_id),
             student_id = (SELECT i.student_id FROM invoice i WHERE i.id = payment.invoice_id)""",
        f"""UPDATE payment SET receipt_number =
               'RCT-' || {year.format(d="payment.paid_on")} || '-' || {pad}
           FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY school_id ORDER BY id) AS rn
                 FROM payment) AS n
           WHERE n.id = payment.id""",
        """UPDATE school SET last_receipt_number =
             (SELECT COUNT(*) FROM payment p WHERE p.school_id = school.id)""",
        """INSERT INTO payment_allocation
             (school_id, student_id, payment_id, invoice_id, amount, created_at)
           SELECT school_id, student_id, id, invoice_id, amount, recorded_at FROM payment""",
        f"""INSERT INTO credit_note
             (school_id, invoice_id, student_id, number, amount, reason, issued_on, created_at)
           SELECT i.school_id, i.id, i.student_id,
                  'CN-' || {year.format(d=day)} || '-' || {pad},
                  {owed_i}, COALESCE(i.cancellation_reason, 'Cancelled'),
                  {day}, COALESCE(i.cancelled_at, i.created_at)
           FROM invoice i
           JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY school_id ORDER BY id) AS rn
                 FROM invoice WHERE status = 'CANCELLED' AND total - amount_paid > 0) AS n
             ON n.id = i.id""",
        f"""UPDATE invoice SET credited_amount = {owed}
           WHERE status = 'CANCELLED' AND total - amount_paid > 0""",
        """UPDATE school SET last_credit_note_number =
             (SELECT COUNT(*) FROM credit_note c WHERE c.school_id = school.id)""",
    ]
    for statement in statements[start:end]:
        await client.execute_script(statement)
