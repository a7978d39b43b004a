"""A preview's rows are cheaper to write (a preview writes one per student in scope):

- they keep their run's id without a foreign key: PostgreSQL checked the key once per row
  (0.5 s of 3 s at 100,000 students). The rows are a disposable cache of the run, deleted
  with it explicitly (`delete_billing_run`) and rewritten by every preview, like its
  lines (PreviewCharge);
- their status and reason codes compare by bytes on PostgreSQL (see byte_ordered_codes).
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


async def drop_foreign_key(apps: Any, schema_editor: Any) -> None:
    """PostgreSQL drops the constraint (whatever it was named). SQLite keeps it: dropping
    one means rebuilding the table, and there it costs little (it still cascades, and
    `delete_billing_run` deletes the rows itself either way)."""
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    rows = await client.execute_query_dict(
        "SELECT conname FROM pg_constraint "
        "WHERE conrelid = 'billing_preview_line'::regclass AND contype = 'f'"
    )
    for row in rows:
        await client.execute_script(
            f'ALTER TABLE billing_preview_line DROP CONSTRAINT "{row["conname"]}"'
        )


async def byte_ordered_codes(apps: Any, schema_editor: Any) -> None:
    """PostgreSQL compares a preview row's status and reason by bytes: they are enum codes
    (ASCII capitals, the same order in any collation), and idx_preview_line_status, which
    a preview updates once per row, then compares them with memcmp instead of the
    locale's strcoll (a third of the rows' writing time at 100,000 students). The types
    are unchanged, so no rows are rewritten; only the indexes on them are rebuilt.
    Tortoise does not track collations: an AlterField of these columns would set them
    back to the default (and cost that time again), never break anything."""
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script(
        "ALTER TABLE billing_preview_line"
        ' ALTER COLUMN status TYPE VARCHAR(16) COLLATE "C",'
        ' ALTER COLUMN exclusion_reason TYPE VARCHAR(24) COLLATE "C"'
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0012_priced_as")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="PreviewLine",
            name="run",
            field=fields.ForeignKeyField(
                "models.BillingRun",
                source_field="run_id",
                db_constraint=False,
                to_field="id",
                related_name="preview_lines",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.RunPython(drop_foreign_key, ops.RunPython.noop),
        ops.RunPython(byte_ordered_codes, ops.RunPython.noop),
        # Should SQLite rebuild the table to alter the column, it loses the RunSQL indexes.
        ops.RunSQL(
            "CREATE INDEX IF NOT EXISTS idx_preview_line_status ON billing_preview_line "
            "(run_id, status, exclusion_reason, position)",
            reverse_sql="SELECT 1",
        ),
    ]
