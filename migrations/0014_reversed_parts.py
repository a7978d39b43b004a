"""Each student's part of a reversed family payment, kept for their ledger (only a new table:
no AlterField, which SQLite would do by rebuilding the payment table)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_cheaper_preview_rows')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReversedPart',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='reversed_parts', on_delete=OnDelete.CASCADE)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='reversed_parts', on_delete=OnDelete.CASCADE)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', db_constraint=True, to_field='id', related_name='reversed_parts', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'reversed_part', 'app': 'models', 'indexes': [Index(fields=['student_id']), Index(fields=['payment_id'])], 'pk_attr': 'id', 'table_description': "One student's part of a family payment when it was reversed."},
            bases=['Model'],
        ),
    ]
