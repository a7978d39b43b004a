"""Descriptions only: the models' field and table descriptions (taken from their `#:`
comments and docstrings) as they read now, recorded in the migration state so that
`tortoise makemigrations` has nothing left to write (tests/unit/test_migrations_match_models.py).

State only, on purpose: a description is a comment, and an AlterField on SQLite rebuilds the
table, which would drop the indexes made by RunSQL (payment's and invoice's partial unique
indexes). Nothing in the database changes."""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from domain.models.audit import AuditAction


class DescriptionOnly(ops.AlterField):
    """An AlterField whose only change is the description: the state moves, the database not."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class OptionsDescriptionOnly(ops.AlterModelOptions):
    """A table description recorded in the state only."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [("models", "0014_reversed_parts")]

    initial = False

    operations = [
        DescriptionOnly(
            model_name="AuditEvent",
            name="action",
            field=fields.CharEnumField(
                description="CREATED_RUN: CREATED_RUN\nPREVIEWED_RUN: PREVIEWED_RUN\nCONFIRMED_RUN: CONFIRMED_RUN\nDELETED_RUN: DELETED_RUN\nRETRIED_RUN: RETRIED_RUN\nSENT_INVOICES: SENT_INVOICES\nCANCELLED_INVOICE: CANCELLED_INVOICE\nRECORDED_PAYMENT: RECORDED_PAYMENT\nRECEIVED_PAYMENT: RECEIVED_PAYMENT\nREVERSED_PAYMENT: REVERSED_PAYMENT\nISSUED_CREDIT_NOTE: ISSUED_CREDIT_NOTE\nSET_OPENING_BALANCES: SET_OPENING_BALANCES\nROTATED_MPESA_SECRET: ROTATED_MPESA_SECRET\nASSIGNED_TRANSACTION: ASSIGNED_TRANSACTION\nCREATED_PAYMENT_IMPORT: CREATED_PAYMENT_IMPORT\nASSIGNED_IMPORT_LINE: ASSIGNED_IMPORT_LINE\nCONFIRMED_PAYMENT_IMPORT: CONFIRMED_PAYMENT_IMPORT\nDELETED_PAYMENT_IMPORT: DELETED_PAYMENT_IMPORT\nCREATED_USER: CREATED_USER\nREVOKED_TOKEN: REVOKED_TOKEN\nCREATED_FEE_CATEGORY: CREATED_FEE_CATEGORY\nCREATED_FAMILY: CREATED_FAMILY\nSUBSCRIBED_STUDENTS: SUBSCRIBED_STUDENTS\nENDED_SUBSCRIPTIONS: ENDED_SUBSCRIPTIONS\nCREATED_DISCOUNT: CREATED_DISCOUNT\nASSIGNED_DISCOUNT: ASSIGNED_DISCOUNT\nENDED_DISCOUNTS: ENDED_DISCOUNTS\nUPDATED_SCHOOL_PROFILE: UPDATED_SCHOOL_PROFILE\nSET_REMINDER_POLICY: SET_REMINDER_POLICY",
                enum_type=AuditAction,
                max_length=32,
            ),
        ),
        DescriptionOnly(
            model_name="BillingRunItem",
            name="priced_as",
            field=fields.IntField(
                null=True,
                description="The student whose RunLine rows this student's invoice copies (migration 0012 set the",
            ),
        ),
        DescriptionOnly(
            model_name="Payment",
            name="family",
            field=fields.ForeignKeyField(
                "models.Family",
                source_field="family_id",
                null=True,
                description="The family paid for (receivePayment with a familyId); then `student` is null and the",
                db_constraint=True,
                to_field="id",
                related_name="payments",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        DescriptionOnly(
            model_name="PreviewLine",
            name="priced_as",
            field=fields.IntField(
                null=True,
                description="The student whose PreviewCharge lines this student's are (same grade, category,",
            ),
        ),
        DescriptionOnly(
            model_name="PreviewLine",
            name="run",
            field=fields.ForeignKeyField(
                "models.BillingRun",
                source_field="run_id",
                description="No foreign key in the database: a preview writes a row per student in one statement,",
                db_constraint=False,
                to_field="id",
                related_name="preview_lines",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        OptionsDescriptionOnly(
            name="ReminderDelivery",
            options={
                "table": "reminder_delivery",
                "app": "models",
                "unique_together": (("invoice", "stage", "channel"),),
                "pk_attr": "id",
                "table_description": "One stage's reminder of one invoice on one channel - sent at most once (the row is the",
            },
        ),
        OptionsDescriptionOnly(
            name="RunNotices",
            options={
                "table": "run_notices",
                "app": "models",
                "pk_attr": "run_id",
                "table_description": "The sending of one billing run's invoices (sendBillingRunInvoices) and its progress.",
            },
        ),
    ]
