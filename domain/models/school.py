"""Schools and what they are made of: terms, grades, streams, classes, students."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.keys import KEY_MAX_LENGTH
from domain.models.columns import created_at, fk, optional_fk, pk, school_fk
from domain.models.keyed import KeyedModel

if TYPE_CHECKING:
    from domain.models.accounts import Account
    from domain.models.pricing import Family, FeeCategory


class StudentStatus(StrEnum):
    """Only ACTIVE students are billed."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    WITHDRAWN = "WITHDRAWN"
    GRADUATED = "GRADUATED"


class School(Model):
    """A school, billing in one currency, numbering its invoices in one sequence."""

    id = pk()
    account: fields.ForeignKeyRelation[Account] = fk("Account", "schools", fields.CASCADE)
    account_id: int
    name = fields.CharField(max_length=200)
    currency = fields.CharField(max_length=3)
    #: The last invoice number handed out - bumped inside the transaction that uses it.
    last_invoice_number = fields.IntField(default=0)
    #: The last receipt number handed out (same rule as invoices).
    last_receipt_number = fields.IntField(default=0, db_default=fields.SqlDefault("0"))
    #: The last credit-note number handed out (same rule as invoices).
    last_credit_note_number = fields.IntField(default=0, db_default=fields.SqlDefault("0"))
    created_at = created_at()
    # The profile: what the school prints on the documents parents receive.
    address = fields.TextField(null=True)
    #: E.164, e.g. +254712345678.
    phone = fields.CharField(max_length=32, null=True)
    email = fields.CharField(max_length=254, null=True)
    payment_instructions = fields.TextField(null=True)
    mpesa_short_code = fields.CharField(max_length=16, null=True)
    #: ISO 3166 alpha-2 country: how local phone numbers are read and amounts printed.
    country = fields.CharField(max_length=2, null=True)

    class Meta:
        table = "school"
        unique_together = (("account", "name"),)


class Term(KeyedModel):
    """A school term: the period a billing run bills for, names unique by their key."""

    KEY_SOURCE = "name"
    KEY_FIELD = "name_key"

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("terms")
    school_id: int
    name = fields.CharField(max_length=100)
    #: normalise_key of the typed value, unique within the school (migration 0006).
    name_key = fields.CharField(max_length=KEY_MAX_LENGTH, db_default="")
    start_date = fields.DateField()
    end_date = fields.DateField()

    class Meta:
        table = "term"
        unique_together = (("school", "name"), ("school", "name_key"))


class Grade(Model):
    """A year group (Grade 4, Form 2) - fees are priced per grade."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("grades")
    school_id: int
    name = fields.CharField(max_length=100)
    level = fields.IntField()

    class Meta:
        table = "grade"
        unique_together = (("school", "name"),)


class Stream(Model):
    """A stream (East, West) that runs across grades."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("streams")
    school_id: int
    name = fields.CharField(max_length=100)

    class Meta:
        table = "stream"
        unique_together = (("school", "name"),)


class SchoolClass(Model):
    """A class: one grade, optionally one stream (Grade 4 East)."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("classes")
    school_id: int
    grade: fields.ForeignKeyRelation[Grade] = fk("Grade", "classes")
    grade_id: int
    stream: fields.ForeignKeyNullableRelation[Stream] = optional_fk("Stream", "classes")
    stream_id: int | None
    name = fields.CharField(max_length=100)

    class Meta:
        table = "school_class"
        unique_together = (("school", "name"),)


class Student(KeyedModel):
    """A student - admission numbers are unique within a school, compared by their key."""

    KEY_SOURCE = "admission_number"
    KEY_FIELD = "admission_key"

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("students")
    school_id: int
    admission_number = fields.CharField(max_length=50)
    #: normalise_key of the typed value, unique within the school (migration 0006).
    admission_key = fields.CharField(max_length=KEY_MAX_LENGTH, db_default="")
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    status = fields.CharEnumField(StudentStatus, max_length=16, default=StudentStatus.ACTIVE)
    school_class: fields.ForeignKeyNullableRelation[SchoolClass] = optional_fk(
        "SchoolClass", "students", fields.SET_NULL
    )
    school_class_id: int | None
    fee_category: fields.ForeignKeyNullableRelation[FeeCategory] = optional_fk(
        "FeeCategory", "students", fields.SET_NULL
    )
    fee_category_id: int | None
    family: fields.ForeignKeyNullableRelation[Family] = optional_fk(
        "Family", "students", fields.SET_NULL
    )
    family_id: int | None
    guardian_name = fields.CharField(max_length=200, null=True)
    guardian_email = fields.CharField(max_length=254, null=True)
    guardian_phone = fields.CharField(max_length=32, null=True)
    created_at = created_at()

    class Meta:
        table = "student"
        unique_together = (("school", "admission_number"), ("school", "admission_key"))
        indexes = (("school_id", "school_class_id"),)
