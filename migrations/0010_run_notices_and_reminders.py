"""The sending of a billing run's invoices (sendBillingRunInvoices): one row per run; and
reminders: a school's stages, one delivery per invoice/stage/channel, one claim per school-day."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from domain.models.audit import AuditAction
from domain.models.notifications import DeliveryChannel, DeliveryStatus


class Migration(migrations.Migration):
    dependencies = [('models', '0009_accounts')]

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
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CREATED_RUN: CREATED_RUN\nPREVIEWED_RUN: PREVIEWED_RUN\nCONFIRMED_RUN: CONFIRMED_RUN\nDELETED_RUN: DELETED_RUN\nRETRIED_RUN: RETRIED_RUN\nSENT_INVOICES: SENT_INVOICES\nCANCELLED_INVOICE: CANCELLED_INVOICE\nRECORDED_PAYMENT: RECORDED_PAYMENT\nCREATED_USER: CREATED_USER\nREVOKED_TOKEN: REVOKED_TOKEN\nUPDATED_SCHOOL_PROFILE: UPDATED_SCHOOL_PROFILE\nSET_REMINDER_POLICY: SET_REMINDER_POLICY', enum_type=AuditAction, max_length=32),
        ),
        ops.CreateModel(
            name='ReminderStage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='reminder_stages', on_delete=OnDelete.CASCADE)),
                ('days_after_due', fields.IntField()),
                ('channels', fields.CharField(description='The channels, comma-separated (e.g. "EMAIL,SMS").', max_length=32)),
            ],
            options={'table': 'reminder_stage', 'app': 'models', 'unique_together': (('school', 'days_after_due'),), 'pk_attr': 'id', 'table_description': "One stage of a school's reminder policy: sent `days_after_due` days past the due date."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReminderDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.CASCADE)),
                ('stage', fields.IntField(description="The stage's days after the due date.")),
                ('channel', fields.CharEnumField(description='EMAIL: EMAIL\nSMS: SMS', enum_type=DeliveryChannel, max_length=8)),
                ('status', fields.CharEnumField(default=DeliveryStatus.QUEUED, description='QUEUED: QUEUED\nSENT: SENT\nFAILED: FAILED\nNO_CONTACT: NO_CONTACT', enum_type=DeliveryStatus, max_length=16)),
                ('recipient', fields.CharField(null=True, max_length=254)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('attempts', fields.IntField(default=0)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reminder_delivery', 'app': 'models', 'unique_together': (('invoice', 'stage', 'channel'),), 'pk_attr': 'id', 'table_description': "One stage's reminder of one invoice on one channel - sent at most once (the row is the claim)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReminderDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='reminder_days', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('claimed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reminder_day', 'app': 'models', 'unique_together': (('school', 'day'),), 'pk_attr': 'id', 'table_description': "The daily job's claim on one school and day: however many workers run, one does it."},
            bases=['Model'],
        ),
    ]
