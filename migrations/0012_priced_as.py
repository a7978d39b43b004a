"""Students priced alike share their lines: a preview's and a run's students point at the
one student whose priced lines are theirs (`priced_as`), instead of a copy each."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_family_payments")]

    initial = False

    operations = [
        ops.AddField(model_name="PreviewLine", name="priced_as", field=fields.IntField(null=True)),
        ops.AddField(
            model_name="BillingRunItem", name="priced_as", field=fields.IntField(null=True)
        ),
        # Rows written before: each student's lines were their own.
        ops.RunSQL(
            "UPDATE billing_preview_line SET priced_as = student_id WHERE priced_as IS NULL",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            "UPDATE billing_run_item SET priced_as = student_id WHERE priced_as IS NULL",
            reverse_sql="SELECT 1",
        ),
    ]
