"""Indexes for the lookups by invoice and by student that pages and deletes make."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_audit_event")]

    operations = [
        # PostgreSQL does not index a foreign key's column: without these, loading the lines
        # or payments of a page of invoices (and cascading a delete) scans the whole table.
        ops.RunSQL(
            "CREATE INDEX idx_invoice_line_invoice ON invoice_line (invoice_id)",
            reverse_sql="DROP INDEX idx_invoice_line_invoice",
        ),
        ops.RunSQL(
            "CREATE INDEX idx_payment_invoice ON payment (invoice_id)",
            reverse_sql="DROP INDEX idx_payment_invoice",
        ),
        # Student.invoices lists cancelled invoices too, which the live-invoice index leaves out.
        ops.RunSQL(
            "CREATE INDEX idx_invoice_student ON invoice (student_id, created_at)",
            reverse_sql="DROP INDEX idx_invoice_student",
        ),
    ]
