"""Accounts and money in: allocations, credit notes, opening balances, receipt numbers."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models.invoices import PaymentChannel
from domain.models.mpesa import MobileMoneyStatus
from domain.models.imports import ImportFormat, ImportLineStatus, ImportStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.fields import SqlDefault

from migrations._backfill_0009 import backfill_allocations, backfill_payments
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_school_profile')]

    initial = False

    operations = [
        # AuditAction gained values: its column's description (a comment) is left as it was,
        # because altering it makes SQLite rebuild audit_event and drop its indexes.
        ops.AddField(
            model_name='Invoice',
            name='credited_amount',
            field=fields.DecimalField(default=0, description="Sum of the invoice's credit notes: balance = total - amount_paid - credited_amount.", db_default=SqlDefault('0'), max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='Invoice',
            name='previous_balance',
            field=fields.DecimalField(default=0, description="The student's balance (older debts less payments and credit) when this was created.", db_default=SqlDefault('0'), max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='School',
            name='last_credit_note_number',
            field=fields.IntField(default=0, description='The last credit-note number handed out (same rule as invoices).', db_default=SqlDefault('0')),
        ),
        ops.AddField(
            model_name='School',
            name='last_receipt_number',
            field=fields.IntField(default=0, description='The last receipt number handed out (same rule as invoices).', db_default=SqlDefault('0')),
        ),
        ops.AlterModelOptions(
            name='Payment',
            options={'table': 'payment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Money received for a student, spread over invoices by its allocations.'},
        ),
        ops.AlterField(
            model_name='Payment',
            name='invoice',
            field=fields.ForeignKeyField('models.Invoice', source_field='invoice_id', null=True, description='The invoice named by recordPayment, null for a payment received for the student.', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Payment',
            name='channel',
            field=fields.CharEnumField(default=PaymentChannel.MANUAL, description='MANUAL: MANUAL\nMPESA: MPESA\nIMPORT: IMPORT', db_default=SqlDefault("'MANUAL'"), enum_type=PaymentChannel, max_length=8),
        ),
        ops.AddField(
            model_name='Payment',
            name='exchange_rate',
            field=fields.DecimalField(null=True, max_digits=18, decimal_places=8),
        ),
        ops.AddField(
            model_name='Payment',
            name='receipt_number',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Payment',
            name='received_amount',
            field=fields.DecimalField(null=True, max_digits=14, decimal_places=2),
        ),
        ops.AddField(
            model_name='Payment',
            name='received_currency',
            field=fields.CharField(null=True, max_length=3),
        ),
        ops.AddField(
            model_name='Payment',
            name='reversal_reason',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Payment',
            name='reversed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Payment',
            name='reversed_by',
            field=fields.ForeignKeyField('models.User', source_field='reversed_by_id', null=True, db_constraint=True, to_field='id', related_name='reversed_payments', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Payment',
            name='school',
            field=fields.ForeignKeyField('models.School', source_field='school_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Payment',
            name='student',
            field=fields.ForeignKeyField('models.Student', source_field='student_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Payment',
            name='unallocated_amount',
            field=fields.DecimalField(default=0, db_default=SqlDefault('0'), max_digits=12, decimal_places=2),
        ),
        # Payments made before this migration paid one invoice each: give them their school,
        # student and receipt number before those columns become NOT NULL.
        ops.RunPython(backfill_payments, ops.RunPython.noop),
        ops.AlterField(
            model_name='Payment',
            name='school',
            field=fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='Payment',
            name='receipt_number',
            field=fields.CharField(max_length=32),
        ),
        # SQLite rebuilds a table to alter a column, losing the indexes made by RunSQL.
        ops.RunSQL(
            "CREATE INDEX IF NOT EXISTS idx_payment_invoice ON payment (invoice_id)",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            "CREATE UNIQUE INDEX uniq_receipt_number ON payment (school_id, receipt_number)",
            reverse_sql="DROP INDEX uniq_receipt_number",
        ),
        ops.RunSQL(
            "CREATE INDEX idx_payment_student ON payment (student_id, paid_on)",
            reverse_sql="DROP INDEX idx_payment_student",
        ),
        # The new tables come after payment's last rebuild: SQLite rebuilds a table by dropping
        # it, which would cascade to rows that reference it.
        ops.CreateModel(
            name='CreditNote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.CASCADE)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.RESTRICT)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.RESTRICT)),
                ('number', fields.CharField(max_length=32)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('reason', fields.TextField(unique=False)),
                ('issued_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'credit_note', 'app': 'models', 'indexes': [Index(fields=['invoice_id']), Index(fields=['student_id'])], 'pk_attr': 'id', 'table_description': "A note that takes an amount off an invoice's balance, the invoice kept as issued."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpeningBalance',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='opening_balances', on_delete=OnDelete.CASCADE)),
                ('student', fields.OneToOneField('models.Student', source_field='student_id', db_constraint=True, to_field='id', related_name='opening_balance', on_delete=OnDelete.CASCADE)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('allocated', fields.DecimalField(default=0, max_digits=12, decimal_places=2)),
                ('as_of', fields.DateField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'opening_balance', 'app': 'models', 'pk_attr': 'id', 'table_description': "What a student owed (or was owed, when negative) before this system's first invoice."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentAllocation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.CASCADE)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', null=True, db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.CASCADE)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', null=True, db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_allocation', 'app': 'models', 'indexes': [Index(fields=['invoice_id']), Index(fields=['payment_id']), Index(fields=['student_id'])], 'pk_attr': 'id', 'table_description': 'The part of a payment (or of a negative opening balance) that went to one debt.'},
            bases=['Model'],
        ),
        # Each old payment's allocation, and a credit note for each cancelled invoice.
        ops.RunPython(backfill_allocations, ops.RunPython.noop),
        ops.RunSQL(
            "CREATE UNIQUE INDEX uniq_credit_note_number ON credit_note (school_id, number)",
            reverse_sql="DROP INDEX uniq_credit_note_number",
        ),
        # M-Pesa: the webhook's secret per school, and the payments Daraja confirms.
        ops.CreateModel(
            name='MobileMoneyTransaction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='mobile_money', on_delete=OnDelete.CASCADE)),
                ('transaction_id', fields.CharField(max_length=64)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('paid_on', fields.DateField()),
                ('account_reference', fields.CharField(max_length=200)),
                ('payer_name', fields.CharField(null=True, max_length=200)),
                ('msisdn', fields.CharField(null=True, max_length=32)),
                ('short_code', fields.CharField(max_length=20)),
                ('status', fields.CharEnumField(default=MobileMoneyStatus.UNMATCHED, description='MATCHED: MATCHED\nUNMATCHED: UNMATCHED\nASSIGNED: ASSIGNED', enum_type=MobileMoneyStatus, max_length=16)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', null=True, db_constraint=True, to_field='id', related_name='mobile_money', on_delete=OnDelete.RESTRICT)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', null=True, db_constraint=True, to_field='id', related_name='mobile_money', on_delete=OnDelete.RESTRICT)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mobile_money_transaction', 'app': 'models', 'unique_together': (('school', 'transaction_id'),), 'indexes': [Index(fields=['school_id', 'received_at'])], 'pk_attr': 'id', 'table_description': 'One M-Pesa payment as Daraja confirmed it: recorded at once, allocated after.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MpesaWebhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.OneToOneField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='mpesa_webhook', on_delete=OnDelete.CASCADE)),
                ('secret_hash', fields.CharField(unique=True, max_length=64)),
                ('rotated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mpesa_webhook', 'app': 'models', 'pk_attr': 'id', 'table_description': "The hash of a school's webhook secret (the secret is shown once)."},
            bases=['Model'],
        ),
        # Payment imports: a statement previewed line by line, then confirmed.
        ops.CreateModel(
            name='PaymentImport',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='payment_imports', on_delete=OnDelete.CASCADE)),
                ('format', fields.CharEnumField(description='MPESA_STATEMENT: MPESA_STATEMENT\nSIMPLE_CSV: SIMPLE_CSV', enum_type=ImportFormat, max_length=16)),
                ('status', fields.CharEnumField(default=ImportStatus.DRAFT, description='DRAFT: DRAFT\nCONFIRMED: CONFIRMED', enum_type=ImportStatus, max_length=16)),
                ('matched_count', fields.IntField(default=0)),
                ('matched_amount', fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
                ('unmatched_count', fields.IntField(default=0)),
                ('duplicate_count', fields.IntField(default=0)),
                ('invalid_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='payment_imports', on_delete=OnDelete.SET_NULL)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_import', 'app': 'models', 'indexes': [Index(fields=['school_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A statement of payments: nothing is paid before it is confirmed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentImportLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment_import', fields.ForeignKeyField('models.PaymentImport', source_field='payment_import_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('row_number', fields.IntField()),
                ('status', fields.CharEnumField(description='MATCHED: MATCHED\nUNMATCHED: UNMATCHED\nDUPLICATE: DUPLICATE\nINVALID: INVALID', enum_type=ImportLineStatus, max_length=16)),
                ('transaction_reference', fields.CharField(null=True, max_length=200)),
                ('paid_on', fields.DateField(null=True)),
                ('amount', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('account_reference', fields.CharField(null=True, max_length=200)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', null=True, db_constraint=False, to_field='id', related_name='import_lines', on_delete=OnDelete.NO_ACTION)),
                ('message', fields.CharField(null=True, max_length=300)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', null=True, db_constraint=False, to_field='id', related_name='import_lines', on_delete=OnDelete.NO_ACTION)),
            ],
            options={'table': 'payment_import_line', 'app': 'models', 'unique_together': (('payment_import', 'row_number'),), 'pk_attr': 'id', 'table_description': 'One data row of an import (rowNumber counts data rows from 1) and what it will do.'},
            bases=['Model'],
        ),
    ]
