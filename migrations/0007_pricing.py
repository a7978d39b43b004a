from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models.audit import AuditAction
from domain.models.billing import ExclusionReason
from domain.models.fees import FeeItemKind
from domain.models.invoices import LineKind
from domain.models.pricing import DiscountKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_normalised_keys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Discount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='discounts', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(description='PERCENTAGE: PERCENTAGE\nFIXED_AMOUNT: FIXED_AMOUNT', enum_type=DiscountKind, max_length=16)),
                ('value', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('sibling_position', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'discount', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A reduction a school grants, applied by itself when it has a sibling position.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DiscountFeeItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('discount', fields.ForeignKeyField('models.Discount', source_field='discount_id', db_constraint=True, to_field='id', related_name='fee_item_links', on_delete=OnDelete.CASCADE)),
                ('fee_item', fields.ForeignKeyField('models.FeeItem', source_field='fee_item_id', db_constraint=True, to_field='id', related_name='discount_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'discount_fee_item', 'app': 'models', 'unique_together': (('discount', 'fee_item'),), 'pk_attr': 'id', 'table_description': 'A fee item a discount reduces (a discount without any reduces the whole invoice).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Family',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='families', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'family', 'app': 'models', 'indexes': [Index(fields=['school_id', 'name'])], 'pk_attr': 'id', 'table_description': 'Students of one school who share guardians: the unit of sibling discounts.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeeCategory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='fee_categories', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
            ],
            options={'table': 'fee_category', 'app': 'models', 'unique_together': (('school', 'name'),), 'pk_attr': 'id', 'table_description': "A pricing group of a school's students (Boarder, Day scholar)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeeItemCategoryAmount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('fee_item', fields.ForeignKeyField('models.FeeItem', source_field='fee_item_id', db_constraint=True, to_field='id', related_name='category_amounts', on_delete=OnDelete.CASCADE)),
                ('fee_category', fields.ForeignKeyField('models.FeeCategory', source_field='fee_category_id', db_constraint=True, to_field='id', related_name='fee_amounts', on_delete=OnDelete.CASCADE)),
                ('grade', fields.ForeignKeyField('models.Grade', source_field='grade_id', null=True, db_constraint=True, to_field='id', related_name='category_fee_amounts', on_delete=OnDelete.CASCADE)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'fee_item_category_amount', 'app': 'models', 'indexes': [Index(fields=['fee_item_id', 'fee_category_id'])], 'pk_attr': 'id', 'table_description': "A fee item's amount for a fee category, in one grade or (grade NULL) in any grade."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeeSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', db_constraint=True, to_field='id', related_name='fee_subscriptions', on_delete=OnDelete.CASCADE)),
                ('fee_item', fields.ForeignKeyField('models.FeeItem', source_field='fee_item_id', db_constraint=True, to_field='id', related_name='subscriptions', on_delete=OnDelete.CASCADE)),
                ('from_term', fields.ForeignKeyField('models.Term', source_field='from_term_id', db_constraint=True, to_field='id', related_name='subscriptions_from', on_delete=OnDelete.RESTRICT)),
                ('until_term', fields.ForeignKeyField('models.Term', source_field='until_term_id', null=True, db_constraint=True, to_field='id', related_name='subscriptions_until', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'fee_subscription', 'app': 'models', 'indexes': [Index(fields=['student_id', 'fee_item_id'])], 'pk_attr': 'id', 'table_description': 'A student taking an OPTIONAL fee item from one term on (until one, or for good).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PreviewCharge',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run_id', fields.IntField()),
                ('student_id', fields.IntField()),
                ('position', fields.IntField()),
                ('kind', fields.CharEnumField(description='CHARGE: CHARGE\nDISCOUNT: DISCOUNT', enum_type=LineKind, max_length=16)),
                ('fee_item_id', fields.IntField(null=True)),
                ('discount_id', fields.IntField(null=True)),
                ('description', fields.CharField(max_length=200)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'billing_preview_charge', 'app': 'models', 'indexes': [Index(fields=['run_id', 'student_id', 'position'])], 'pk_attr': 'id', 'table_description': 'A line of the latest preview (every student in scope, excluded ones too).'},
            bases=['PricedLine'],
        ),
        ops.CreateModel(
            name='RunLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run_id', fields.IntField()),
                ('student_id', fields.IntField()),
                ('position', fields.IntField()),
                ('kind', fields.CharEnumField(description='CHARGE: CHARGE\nDISCOUNT: DISCOUNT', enum_type=LineKind, max_length=16)),
                ('fee_item_id', fields.IntField(null=True)),
                ('discount_id', fields.IntField(null=True)),
                ('description', fields.CharField(max_length=200)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'billing_run_line', 'app': 'models', 'indexes': [Index(fields=['run_id', 'student_id', 'position'])], 'pk_attr': 'id', 'table_description': 'A line frozen at confirm: generation copies these into the invoices, never re-prices.'},
            bases=['PricedLine'],
        ),
        ops.CreateModel(
            name='StudentDiscount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('student', fields.ForeignKeyField('models.Student', source_field='student_id', db_constraint=True, to_field='id', related_name='discounts', on_delete=OnDelete.CASCADE)),
                ('discount', fields.ForeignKeyField('models.Discount', source_field='discount_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('from_term', fields.ForeignKeyField('models.Term', source_field='from_term_id', db_constraint=True, to_field='id', related_name='discounts_from', on_delete=OnDelete.RESTRICT)),
                ('until_term', fields.ForeignKeyField('models.Term', source_field='until_term_id', null=True, db_constraint=True, to_field='id', related_name='discounts_until', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'student_discount', 'app': 'models', 'indexes': [Index(fields=['student_id', 'discount_id'])], 'pk_attr': 'id', 'table_description': 'A discount granted to one student from one term on (ids order the grants).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='action',
            field=fields.CharEnumField(description='CREATED_RUN: CREATED_RUN\nPREVIEWED_RUN: PREVIEWED_RUN\nCONFIRMED_RUN: CONFIRMED_RUN\nDELETED_RUN: DELETED_RUN\nRETRIED_RUN: RETRIED_RUN\nSENT_INVOICES: SENT_INVOICES\nCANCELLED_INVOICE: CANCELLED_INVOICE\nRECORDED_PAYMENT: RECORDED_PAYMENT\nCREATED_USER: CREATED_USER\nREVOKED_TOKEN: REVOKED_TOKEN\nCREATED_FEE_CATEGORY: CREATED_FEE_CATEGORY\nCREATED_FAMILY: CREATED_FAMILY\nSUBSCRIBED_STUDENTS: SUBSCRIBED_STUDENTS\nENDED_SUBSCRIPTIONS: ENDED_SUBSCRIPTIONS\nCREATED_DISCOUNT: CREATED_DISCOUNT\nASSIGNED_DISCOUNT: ASSIGNED_DISCOUNT\nENDED_DISCOUNTS: ENDED_DISCOUNTS', enum_type=AuditAction, max_length=32),
        ),
        ops.AddField(
            model_name='BillingRun',
            name='preview_discount',
            field=fields.DecimalField(default=0, max_digits=14, decimal_places=2),
        ),
        ops.AddField(
            model_name='BillingRun',
            name='preview_gross',
            field=fields.DecimalField(default=0, max_digits=14, decimal_places=2),
        ),
        ops.AddField(
            model_name='BillingRun',
            name='preview_no_charges',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='BillingRunItem',
            name='amount',
            field=fields.DecimalField(default=0, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='FeeItem',
            name='kind',
            field=fields.CharEnumField(default=FeeItemKind.MANDATORY, description='MANDATORY: MANDATORY\nOPTIONAL: OPTIONAL', enum_type=FeeItemKind, max_length=16),
        ),
        ops.AddField(
            model_name='InvoiceLine',
            name='discount_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='InvoiceLine',
            name='kind',
            field=fields.CharEnumField(default=LineKind.CHARGE, description='CHARGE: CHARGE\nDISCOUNT: DISCOUNT', enum_type=LineKind, max_length=16),
        ),
        ops.AlterField(
            model_name='PreviewLine',
            name='exclusion_reason',
            field=fields.CharEnumField(null=True, description='ALREADY_INVOICED: ALREADY_INVOICED\nINACTIVE: INACTIVE\nMANUAL_OVERRIDE: MANUAL_OVERRIDE\nNO_CHARGES: NO_CHARGES', enum_type=ExclusionReason, max_length=24),
        ),
        ops.AddField(
            model_name='PreviewLine',
            name='discount_amount',
            field=fields.DecimalField(default=0, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='PreviewLine',
            name='gross_amount',
            field=fields.DecimalField(default=0, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='Student',
            name='family',
            field=fields.ForeignKeyField('models.Family', source_field='family_id', null=True, db_constraint=True, to_field='id', related_name='students', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Student',
            name='fee_category',
            field=fields.ForeignKeyField('models.FeeCategory', source_field='fee_category_id', null=True, db_constraint=True, to_field='id', related_name='students', on_delete=OnDelete.SET_NULL),
        ),
    ]
