from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from domain.models.accounts import Role
from domain.models.billing import ExclusionReason, ItemStatus, PreviewStatus, RunStatus, ScopeKind
from domain.models.invoices import InvoiceStatus
from domain.models.school import StudentStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Account",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "account",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An organisation (a school or a group of schools) that owns schools and users.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="School",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="schools",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("currency", fields.CharField(max_length=3)),
                (
                    "last_invoice_number",
                    fields.IntField(
                        default=0,
                        description="The last invoice number handed out - bumped inside the transaction that uses it.",
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "school",
                "app": "models",
                "unique_together": (("account", "name"),),
                "pk_attr": "id",
                "table_description": "A school, billing in one currency, numbering its invoices in one sequence.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FeeStructure",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="fee_structures",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "fee_structure",
                "app": "models",
                "unique_together": (("school", "name"),),
                "pk_attr": "id",
                "table_description": "What a school charges for a term (e.g. Term Tuition Fee).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FeeItem",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "fee_structure",
                    fields.ForeignKeyField(
                        "models.FeeStructure",
                        source_field="fee_structure_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("amount", fields.DecimalField(max_digits=12, decimal_places=2)),
                ("position", fields.IntField(default=0)),
            ],
            options={
                "table": "fee_item",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One line of a fee structure - `amount` applies to grades without an override.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Grade",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grades",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("level", fields.IntField()),
            ],
            options={
                "table": "grade",
                "app": "models",
                "unique_together": (("school", "name"),),
                "pk_attr": "id",
                "table_description": "A year group (Grade 4, Form 2) - fees are priced per grade.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FeeItemGradeAmount",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "fee_item",
                    fields.ForeignKeyField(
                        "models.FeeItem",
                        source_field="fee_item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grade_amounts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "grade",
                    fields.ForeignKeyField(
                        "models.Grade",
                        source_field="grade_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="fee_amounts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("amount", fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={
                "table": "fee_item_grade_amount",
                "app": "models",
                "unique_together": (("fee_item", "grade"),),
                "pk_attr": "id",
                "table_description": "A fee item's amount for one grade - 0 leaves the item off that grade's invoices.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Stream",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="streams",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
            ],
            options={
                "table": "stream",
                "app": "models",
                "unique_together": (("school", "name"),),
                "pk_attr": "id",
                "table_description": "A stream (East, West) that runs across grades.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SchoolClass",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="classes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "grade",
                    fields.ForeignKeyField(
                        "models.Grade",
                        source_field="grade_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="classes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "stream",
                    fields.ForeignKeyField(
                        "models.Stream",
                        source_field="stream_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="classes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
            ],
            options={
                "table": "school_class",
                "app": "models",
                "unique_together": (("school", "name"),),
                "pk_attr": "id",
                "table_description": "A class: one grade, optionally one stream (Grade 4 East).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Student",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="students",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("admission_number", fields.CharField(max_length=50)),
                ("first_name", fields.CharField(max_length=100)),
                ("last_name", fields.CharField(max_length=100)),
                (
                    "status",
                    fields.CharEnumField(
                        default=StudentStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nINACTIVE: INACTIVE\nWITHDRAWN: WITHDRAWN\nGRADUATED: GRADUATED",
                        enum_type=StudentStatus,
                        max_length=16,
                    ),
                ),
                (
                    "school_class",
                    fields.ForeignKeyField(
                        "models.SchoolClass",
                        source_field="school_class_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="students",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("guardian_name", fields.CharField(null=True, max_length=200)),
                ("guardian_email", fields.CharField(null=True, max_length=254)),
                ("guardian_phone", fields.CharField(null=True, max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "student",
                "app": "models",
                "unique_together": (("school", "admission_number"),),
                "indexes": [Index(fields=["school_id", "school_class_id"])],
                "pk_attr": "id",
                "table_description": "A student - admission numbers are unique within a school.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Term",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="terms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField()),
            ],
            options={
                "table": "term",
                "app": "models",
                "unique_together": (("school", "name"),),
                "pk_attr": "id",
                "table_description": "A school term: the period a billing run bills for.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("name", fields.CharField(null=True, max_length=200)),
                (
                    "role",
                    fields.CharEnumField(
                        description="ADMIN: ADMIN\nFINANCE: FINANCE\nVIEWER: VIEWER",
                        enum_type=Role,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "app_user",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person who calls the API with a token.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token - only its SHA-256 hash is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BillingRun",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="billing_runs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "term",
                    fields.ForeignKeyField(
                        "models.Term",
                        source_field="term_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="billing_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "fee_structure",
                    fields.ForeignKeyField(
                        "models.FeeStructure",
                        source_field="fee_structure_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="billing_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=300)),
                ("reference", fields.CharField(null=True, max_length=200)),
                (
                    "scope_kind",
                    fields.CharEnumField(
                        description="ALL_STUDENTS: ALL_STUDENTS\nGRADE: GRADE\nSTREAM: STREAM\nSCHOOL_CLASS: SCHOOL_CLASS\nMANUAL: MANUAL",
                        enum_type=ScopeKind,
                        max_length=16,
                    ),
                ),
                (
                    "scope_grade",
                    fields.ForeignKeyField(
                        "models.Grade",
                        source_field="scope_grade_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="scope_grade_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "scope_stream",
                    fields.ForeignKeyField(
                        "models.Stream",
                        source_field="scope_stream_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="scope_stream_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "scope_class",
                    fields.ForeignKeyField(
                        "models.SchoolClass",
                        source_field="scope_class_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="scope_class_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("invoice_date", fields.DateField()),
                ("due_date", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=RunStatus.DRAFT,
                        description="DRAFT: DRAFT\nPROCESSING: PROCESSING\nCOMPLETED: COMPLETED\nPARTIALLY_COMPLETED: PARTIALLY_COMPLETED\nFAILED: FAILED",
                        enum_type=RunStatus,
                        max_length=24,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="created_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "confirmed_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="confirmed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="confirmed_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "preview_generated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("preview_invoice_count", fields.IntField(default=0)),
                ("preview_total", fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
                ("preview_already_invoiced", fields.IntField(default=0)),
                ("preview_inactive", fields.IntField(default=0)),
                ("preview_manual", fields.IntField(default=0)),
                ("items_total", fields.IntField(default=0)),
                ("items_invoiced", fields.IntField(default=0)),
                ("items_skipped", fields.IntField(default=0)),
                ("items_failed", fields.IntField(default=0)),
                (
                    "invoiced_amount",
                    fields.DecimalField(default=0, max_digits=14, decimal_places=2),
                ),
                ("chunk_count", fields.IntField(default=0)),
                (
                    "last_progress_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "billing_run",
                "app": "models",
                "indexes": [Index(fields=["school_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "One term's billing of a fee structure to a scope of students.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BillingRunExclusion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "run",
                    fields.ForeignKeyField(
                        "models.BillingRun",
                        source_field="run_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exclusions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "student",
                    fields.ForeignKeyField(
                        "models.Student",
                        source_field="student_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="manual_exclusions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "billing_run_exclusion",
                "app": "models",
                "unique_together": (("run", "student"),),
                "pk_attr": "id",
                "table_description": "A student left out of a run by hand (MANUAL_OVERRIDE).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BillingRunItem",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "run",
                    fields.ForeignKeyField(
                        "models.BillingRun",
                        source_field="run_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("chunk", fields.IntField()),
                ("student_id", fields.IntField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=ItemStatus.PENDING,
                        description="PENDING: PENDING\nINVOICED: INVOICED\nSKIPPED: SKIPPED\nFAILED: FAILED",
                        enum_type=ItemStatus,
                        max_length=16,
                    ),
                ),
                ("invoice_id", fields.BigIntField(null=True)),
                ("message", fields.TextField(null=True, unique=False)),
                (
                    "processed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "billing_run_item",
                "app": "models",
                "unique_together": (("run", "student_id"),),
                "indexes": [Index(fields=["run_id", "chunk", "status"])],
                "pk_attr": "id",
                "table_description": "A student frozen at confirm - generation turns it into an invoice, a skip or a failure.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BillingRunScopeStudent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "run",
                    fields.ForeignKeyField(
                        "models.BillingRun",
                        source_field="run_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="scope_students",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "student",
                    fields.ForeignKeyField(
                        "models.Student",
                        source_field="student_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="manual_scope_runs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "billing_run_scope_student",
                "app": "models",
                "unique_together": (("run", "student"),),
                "pk_attr": "id",
                "table_description": "A hand-picked student of a MANUAL scope.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invoice",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "student",
                    fields.ForeignKeyField(
                        "models.Student",
                        source_field="student_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "term",
                    fields.ForeignKeyField(
                        "models.Term",
                        source_field="term_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "fee_structure",
                    fields.ForeignKeyField(
                        "models.FeeStructure",
                        source_field="fee_structure_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "billing_run",
                    fields.ForeignKeyField(
                        "models.BillingRun",
                        source_field="billing_run_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("number", fields.CharField(max_length=32)),
                ("invoice_date", fields.DateField()),
                ("due_date", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=InvoiceStatus.ISSUED,
                        description="ISSUED: ISSUED\nSENT: SENT\nPARTIALLY_PAID: PARTIALLY_PAID\nPAID: PAID\nCANCELLED: CANCELLED",
                        enum_type=InvoiceStatus,
                        max_length=16,
                    ),
                ),
                ("total", fields.DecimalField(max_digits=12, decimal_places=2)),
                ("amount_paid", fields.DecimalField(default=0, max_digits=12, decimal_places=2)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("cancellation_reason", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "invoice",
                "app": "models",
                "unique_together": (("school", "number"),),
                "indexes": [
                    Index(fields=["billing_run_id", "id"]),
                    Index(fields=["school_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "What one student owes for one fee structure and term.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InvoiceLine",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "models.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("fee_item_id", fields.IntField(null=True)),
                ("position", fields.IntField(default=0)),
                ("description", fields.CharField(max_length=200)),
                ("amount", fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={
                "table": "invoice_line",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One fee item on an invoice - the description is the fee item's name.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Payment",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "models.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="payments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("amount", fields.DecimalField(max_digits=12, decimal_places=2)),
                ("paid_on", fields.DateField()),
                ("method", fields.CharField(max_length=50)),
                ("reference", fields.CharField(null=True, max_length=200)),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "recorded_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="recorded_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="recorded_payments",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "payment",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Money received against an invoice.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PreviewLine",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "run",
                    fields.ForeignKeyField(
                        "models.BillingRun",
                        source_field="run_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="preview_lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField()),
                ("student_id", fields.IntField()),
                (
                    "status",
                    fields.CharEnumField(
                        description="TO_BILL: TO_BILL\nEXCLUDED: EXCLUDED",
                        enum_type=PreviewStatus,
                        max_length=16,
                    ),
                ),
                ("amount", fields.DecimalField(max_digits=12, decimal_places=2)),
                (
                    "exclusion_reason",
                    fields.CharEnumField(
                        null=True,
                        description="ALREADY_INVOICED: ALREADY_INVOICED\nINACTIVE: INACTIVE\nMANUAL_OVERRIDE: MANUAL_OVERRIDE",
                        enum_type=ExclusionReason,
                        max_length=24,
                    ),
                ),
                ("existing_invoice_id", fields.BigIntField(null=True)),
            ],
            options={
                "table": "billing_preview_line",
                "app": "models",
                "unique_together": (("run", "position"),),
                "pk_attr": "id",
                "table_description": "One student of the latest preview - `position` orders the lines by name.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SchoolGrant",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "school_grant",
                "app": "models",
                "unique_together": (("user", "school"),),
                "pk_attr": "id",
                "table_description": "A FINANCE or VIEWER user's right to work in one school.",
            },
            bases=["Model"],
        ),
    ]
