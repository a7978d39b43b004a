"""The school profile printed on parents' documents (address, phone, e-mail, payment
instructions, M-Pesa paybill), the country that reads local phone numbers, and its audit action."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models.audit import AuditAction
from tortoise import fields


async def normalise_guardian_phones(apps: object, schema_editor: Any) -> None:
    """Guardians' phones written before E.164 (`+254 700 000 001`, `0712 345 678`) are
    rewritten in E.164, each read as of its school's currency's only country; a number that
    cannot be read is left as it was."""
    import phonenumbers

    from domain.db import sql
    from domain.locales import only_country_of_currency

    client = schema_editor.client
    countries = only_country_of_currency()
    rows = await client.execute_query_dict(
        "SELECT s.id, s.guardian_phone, sc.currency FROM student s "
        "JOIN school sc ON sc.id = s.school_id WHERE s.guardian_phone IS NOT NULL"
    )
    changes = []
    for row in rows:
        try:
            number = phonenumbers.parse(row["guardian_phone"], countries.get(row["currency"]))
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 != row["guardian_phone"]:
                changes.append([e164, row["id"]])
    if changes:
        await client.execute_many(
            sql(client, "UPDATE student SET guardian_phone = $1 WHERE id = $2"), changes
        )


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
        ops.RunPython(normalise_guardian_phones),
    ]
