"""One live invoice per student, fee structure and term, enforced by the database."""

from tortoise import migrations
from tortoise.migrations import operations as ops

# Tortoise splits SQLite DDL on ";": model docstrings and field comments avoid it.


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        # A partial unique index reads the same on PostgreSQL and SQLite: a cancelled
        # invoice no longer blocks billing the student again.
        ops.RunSQL(
            "CREATE UNIQUE INDEX uniq_live_invoice ON invoice "
            "(student_id, fee_structure_id, term_id) WHERE status <> 'CANCELLED'",
            reverse_sql="DROP INDEX uniq_live_invoice",
        ),
        ops.RunSQL(
            "CREATE INDEX idx_run_item_pending ON billing_run_item (run_id, chunk) "
            "WHERE status = 'PENDING'",
            reverse_sql="DROP INDEX idx_run_item_pending",
        ),
        ops.RunSQL(
            "CREATE INDEX idx_preview_line_status ON billing_preview_line "
            "(run_id, status, exclusion_reason, position)",
            reverse_sql="DROP INDEX idx_preview_line_status",
        ),
    ]
