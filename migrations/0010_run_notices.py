"""The sending of a billing run's invoices (sendBillingRunInvoices): one row per run."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0008_school_profile')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RunNotices',
            fields=[
                ('run', fields.OneToOneField('models.BillingRun', source_field='run_id', db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.CASCADE, primary_key=True)),
                ('channels', fields.CharField(description='The channels asked for, comma-separated (e.g. "EMAIL,SMS").', max_length=32)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total', fields.IntField(default=0, description='Live invoices of the run when sending was asked for.')),
                ('sent', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
                ('no_contact', fields.IntField(default=0)),
            ],
            options={'table': 'run_notices', 'app': 'models', 'pk_attr': 'run_id', 'table_description': 'The sending of one billing run\'s invoices (sendBillingRunInvoices) and its progress.'},
            bases=['Model'],
        ),
    ]
