"""The school profile printed on parents' documents (address, phone, e-mail, payment
instructions, M-Pesa paybill), the country that reads local phone numbers, and its audit action."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models.audit import AuditAction
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_lookup_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CREATED_RUN: CREATED_RUN\nPREVIEWED_RUN: PREVIEWED_RUN\nCONFIRMED_RUN: CONFIRMED_RUN\nDELETED_RUN: DELETED_RUN\nRETRIED_RUN: RETRIED_RUN\nSENT_INVOICES: SENT_INVOICES\nCANCELLED_INVOICE: CANCELLED_INVOICE\nRECORDED_PAYMENT: RECORDED_PAYMENT\nCREATED_USER: CREATED_USER\nREVOKED_TOKEN: REVOKED_TOKEN\nUPDATED_SCHOOL_PROFILE: UPDATED_SCHOOL_PROFILE', enum_type=AuditAction, max_length=32),
        ),
        ops.AddField(
            model_name='School',
            name='address',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='School',
            name='country',
            field=fields.CharField(null=True, description='ISO 3166 alpha-2 country: how local phone numbers are read and amounts printed.', max_length=2),
        ),
        ops.AddField(
            model_name='School',
            name='email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='School',
            name='mpesa_short_code',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='School',
            name='payment_instructions',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='School',
            name='phone',
            field=fields.CharField(null=True, description='E.164, e.g. +254712345678.', max_length=32),
        ),
    ]
