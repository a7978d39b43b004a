"""The school profile over GraphQL, and guardians' phones read by the school's country."""

from __future__ import annotations

from typing import Any

from api.ids import encode_id
from domain.models import AuditEvent, Role, School, Student
from domain.models.audit import AuditAction
from tests.client import GraphQLClient
from tests.factories import Factory

UPDATE = """
mutation($input: UpdateSchoolProfileInput!) {
  updateSchoolProfile(input: $input) {
    school { name profile { address phone email paymentInstructions mpesaShortCode } }
    errors { field code message }
  }
}"""

CREATE_STUDENTS = """
mutation($input: CreateStudentsInput!) {
  createStudents(input: $input) { students { admissionNumber guardianPhone }
    errors { field code message } }
}"""

UPDATE_STUDENT = """
mutation($input: UpdateStudentInput!) {
  updateStudent(input: $input) { student { guardianPhone } errors { field code message } }
}"""


def _school_input(school: School, **fields: Any) -> dict[str, Any]:
    return {"input": {"schoolId": encode_id("School", school.id), **fields}}


def _student(number: str, phone: str | None) -> dict[str, Any]:
    return {
        "admissionNumber": number,
        "firstName": "Amina",
        "lastName": "Otieno",
        "guardianPhone": phone,
    }


async def test_finance_sets_the_profile_and_it_is_audited(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a FINANCE user of a Kenyan school
    account = await factory.account()
    s = await factory.school(account, name="Riverside")
    finance = await factory.actor(account, Role.FINANCE, [s.school])
    # when they set the profile with a local phone number
    body = await gql(
        UPDATE,
        _school_input(
            s.school,
            address="P.O. Box 1234-00100\r\n  Nairobi ",
            phone="0712 345 678",
            email="bursar@riverside.example.org",
            paymentInstructions="M-Pesa Paybill 123456, account: admission number",
            mpesaShortCode="123456",
        ),
        token=finance.token,
    )
    # then the profile reads back, the phone in E.164
    assert body == {
        "data": {
            "updateSchoolProfile": {
                "school": {
                    "name": "Riverside",
                    "profile": {
                        "address": "P.O. Box 1234-00100\nNairobi",
                        "phone": "+254712345678",
                        "email": "bursar@riverside.example.org",
                        "paymentInstructions": "M-Pesa Paybill 123456, account: admission number",
                        "mpesaShortCode": "123456",
                    },
                },
                "errors": [],
            }
        }
    }
    # and one audit event says who changed which fields
    events = await AuditEvent.filter(action=AuditAction.UPDATED_SCHOOL_PROFILE)
    assert [(e.user_id, e.school_id, e.detail) for e in events] == [
        (
            finance.user.id,
            s.school.id,
            {
                "fields": [
                    "address",
                    "email",
                    "mpesa_short_code",
                    "payment_instructions",
                    "phone",
                ]
            },
        )
    ]


async def test_fields_left_out_stay_and_null_clears(gql: GraphQLClient, factory: Factory) -> None:
    account = await factory.account()
    s = await factory.school(account)
    admin = await factory.actor(account, Role.ADMIN)
    await gql(UPDATE, _school_input(s.school, phone="0712345678", email="a@b.org"), admin.token)
    # when only the e-mail is cleared
    body = await gql(UPDATE, _school_input(s.school, email=None), admin.token)
    # then the phone stays
    profile = body["data"]["updateSchoolProfile"]["school"]["profile"]
    assert (profile["phone"], profile["email"]) == ("+254712345678", None)


async def test_viewer_may_not_set_the_profile(gql: GraphQLClient, factory: Factory) -> None:
    s, viewer = await factory.school_with(Role.VIEWER)
    body = await gql(UPDATE, _school_input(s.school, address="Somewhere"), viewer.token)
    assert body["data"]["updateSchoolProfile"]["school"] is None
    assert [e["code"] for e in body["data"]["updateSchoolProfile"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    assert (await School.get(id=s.school.id)).address is None
    assert await AuditEvent.all().count() == 0


async def test_another_accounts_school_is_not_found(gql: GraphQLClient, factory: Factory) -> None:
    s = await factory.school(await factory.account())
    stranger = await factory.actor(await factory.account(), Role.ADMIN)
    body = await gql(UPDATE, _school_input(s.school, address="Mine now"), stranger.token)
    assert body["data"]["updateSchoolProfile"] == {
        "school": None,
        "errors": [
            {"field": ["input", "schoolId"], "code": "NOT_FOUND", "message": "School not found."}
        ],
    }
    assert (await School.get(id=s.school.id)).address is None


async def test_bad_profile_values_are_each_reported_and_nothing_is_written(
    gql: GraphQLClient, factory: Factory
) -> None:
    account = await factory.account()
    s = await factory.school(account)
    admin = await factory.actor(account, Role.ADMIN)
    body = await gql(
        UPDATE,
        _school_input(
            s.school,
            address="Fine",
            phone="0712 345 67",
            email="not an address",
            mpesaShortCode="12-34",
        ),
        admin.token,
    )
    payload = body["data"]["updateSchoolProfile"]
    assert payload["school"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "phone"], "INVALID_INPUT"),
        (["input", "email"], "INVALID_INPUT"),
        (["input", "mpesaShortCode"], "INVALID_INPUT"),
    ]
    assert (await School.get(id=s.school.id)).address is None


async def test_kenyan_guardian_phone_is_stored_in_e164_and_a_bad_one_is_reported_per_row(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a KES school (Kenya)
    s, finance = await factory.school_with(Role.FINANCE)
    # when a batch holds a local number and an impossible one
    students = [_student("A-1", "0712 345 678"), _student("A-2", "0712 345 67")]
    body = await gql(CREATE_STUDENTS, _school_input(s.school, students=students), finance.token)
    # then the bad row is named and nothing is created
    assert body["data"]["createStudents"] == {
        "students": [],
        "errors": [
            {
                "field": ["input", "students", "1", "guardianPhone"],
                "code": "INVALID_INPUT",
                "message": "'0712 345 67' is not a phone number.",
            }
        ],
    }
    assert await Student.filter(school_id=s.school.id).count() == 0
    # when the good row alone is sent, its number is stored in E.164
    body = await gql(CREATE_STUDENTS, _school_input(s.school, students=students[:1]), finance.token)
    assert body["data"]["createStudents"]["students"] == [
        {"admissionNumber": "A-1", "guardianPhone": "+254712345678"}
    ]


async def test_usd_school_reads_local_numbers_once_its_profile_phone_says_zimbabwe(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a school billing in USD (many countries): local numbers cannot be read yet
    account = await factory.account()
    s = await factory.school(account, currency="USD")
    admin = await factory.actor(account, Role.ADMIN)
    student = await factory.student(s.school)
    change = {
        "input": {"studentId": encode_id("Student", student.id), "guardianPhone": "077 123 4567"}
    }
    body = await gql(UPDATE_STUDENT, change, admin.token)
    assert [e["code"] for e in body["data"]["updateStudent"]["errors"]] == ["INVALID_INPUT"]
    # when its profile phone is a Zimbabwean number
    body = await gql(UPDATE, _school_input(s.school, phone="+263 242 704000"), admin.token)
    assert body["data"]["updateSchoolProfile"]["errors"] == []
    assert (await School.get(id=s.school.id)).country == "ZW"
    # then a guardian's local number is read as Zimbabwean
    body = await gql(UPDATE_STUDENT, change, admin.token)
    assert body["data"]["updateStudent"] == {
        "student": {"guardianPhone": "+263771234567"},
        "errors": [],
    }
