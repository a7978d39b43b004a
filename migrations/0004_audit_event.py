from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.models.audit import AuditAction
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_invoice_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.CASCADE)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', null=True, db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharEnumField(description='CREATED_RUN: CREATED_RUN\nPREVIEWED_RUN: PREVIEWED_RUN\nCONFIRMED_RUN: CONFIRMED_RUN\nDELETED_RUN: DELETED_RUN\nRETRIED_RUN: RETRIED_RUN\nSENT_INVOICES: SENT_INVOICES\nCANCELLED_INVOICE: CANCELLED_INVOICE\nRECORDED_PAYMENT: RECORDED_PAYMENT\nCREATED_USER: CREATED_USER\nREVOKED_TOKEN: REVOKED_TOKEN', enum_type=AuditAction, max_length=32)),
                ('object_type', fields.CharField(max_length=50)),
                ('object_pk', fields.BigIntField(null=True)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['account_id', 'created_at']), Index(fields=['school_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One action by one user, written in the transaction of the action itself.'},
            bases=['Model'],
        ),
    ]
