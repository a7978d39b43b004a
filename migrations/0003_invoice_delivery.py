"""Delivery records of invoice notices: one per invoice and channel."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models.notifications import DeliveryChannel, DeliveryStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_live_invoice_unique')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InvoiceDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='EMAIL: EMAIL\nSMS: SMS', enum_type=DeliveryChannel, max_length=8)),
                ('status', fields.CharEnumField(default=DeliveryStatus.QUEUED, description='QUEUED: QUEUED\nSENT: SENT\nFAILED: FAILED\nNO_CONTACT: NO_CONTACT', enum_type=DeliveryStatus, max_length=16)),
                ('recipient', fields.CharField(null=True, description='The e-mail address or phone number used (none when NO_CONTACT).', max_length=254)),
                ('reason', fields.TextField(null=True, description='Why the last attempt failed, for a person.', unique=False)),
                ('attempts', fields.IntField(default=0)),
                ('claimed_at', fields.DatetimeField(null=True, description='Set while a worker sends - another worker leaves the row alone until the lease ends.', auto_now=False, auto_now_add=False)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invoice_delivery', 'app': 'models', 'unique_together': (('invoice', 'channel'),), 'pk_attr': 'id', 'table_description': 'The notice of one invoice on one channel - sent at most once (the row is the claim).'},
            bases=['Model'],
        ),
    ]
