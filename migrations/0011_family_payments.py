"""A payment received for a family (receivePayment with a familyId): its family, null for a
student's payment."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_run_notices_and_reminders")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Payment",
            name="family",
            field=fields.ForeignKeyField(
                "models.Family",
                source_field="family_id",
                db_constraint=True,
                to_field="id",
                related_name="payments",
                null=True,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
    ]
