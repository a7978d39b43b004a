"""Schools and what they are made of: terms, grades, streams, classes, students."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.models.accounts import Account


class StudentStatus(StrEnum):
    """Only ACTIVE students are billed."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    WITHDRAWN = "WITHDRAWN"
    GRADUATED = "GRADUATED"


class School(Model):
    """A school, billing in one currency, numbering its invoices in one sequence."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="schools", on_delete=fields.CASCADE
    )
    account_id: int
    name = fields.CharField(max_length=200)
    currency = fields.CharField(max_length=3)
    #: The last invoice number handed out - bumped inside the transaction that uses it.
    last_invoice_number = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
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


class Term(Model):
    """A school term: the period a billing run bills for."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="terms", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=100)
    start_date = fields.DateField()
    end_date = fields.DateField()

    class Meta:
        table = "term"
        unique_together = (("school", "name"),)


class Grade(Model):
    """A year group (Grade 4, Form 2) - fees are priced per grade."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="grades", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=100)
    level = fields.IntField()

    class Meta:
        table = "grade"
        unique_together = (("school", "name"),)


class Stream(Model):
    """A stream (East, West) that runs across grades."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="streams", on_delete=fields.CASCADE
    )
    school_id: int
    name = fields.CharField(max_length=100)

    class Meta:
        table = "stream"
        unique_together = (("school", "name"),)


class SchoolClass(Model):
    """A class: one grade, optionally one stream (Grade 4 East)."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="classes", on_delete=fields.CASCADE
    )
    school_id: int
    grade: fields.ForeignKeyRelation[Grade] = fields.ForeignKeyField(
        "models.Grade", related_name="classes", on_delete=fields.RESTRICT
    )
    grade_id: int
    stream: fields.ForeignKeyNullableRelation[Stream] = fields.ForeignKeyField(
        "models.Stream", related_name="classes", on_delete=fields.RESTRICT, null=True
    )
    stream_id: int | None
    name = fields.CharField(max_length=100)

    class Meta:
        table = "school_class"
        unique_together = (("school", "name"),)


class Student(Model):
    """A student - admission numbers are unique within a school."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="students", on_delete=fields.CASCADE
    )
    school_id: int
    admission_number = fields.CharField(max_length=50)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    status = fields.CharEnumField(StudentStatus, max_length=16, default=StudentStatus.ACTIVE)
    school_class: fields.ForeignKeyNullableRelation[SchoolClass] = fields.ForeignKeyField(
        "models.SchoolClass", related_name="students", on_delete=fields.SET_NULL, null=True
    )
    school_class_id: int | None
    guardian_name = fields.CharField(max_length=200, null=True)
    guardian_email = fields.CharField(max_length=254, null=True)
    guardian_phone = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "student"
        unique_together = (("school", "admission_number"),)
        indexes = (("school_id", "school_class_id"),)
