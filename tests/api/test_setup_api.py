"""Setting a school up over GraphQL: every mutation's happy path and its refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.models import FeeStructure, Role, Student, StudentStatus, User
from tests.api.setup_ops import (
    CREATE_CLASS,
    CREATE_FEE,
    CREATE_GRADE,
    CREATE_SCHOOL,
    CREATE_STREAM,
    CREATE_STUDENTS,
    CREATE_TERM,
    CREATE_USER,
    STUDENTS,
    UPDATE_STUDENT,
    gid,
)
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet


async def _admin_with_school(factory: Factory) -> tuple[Actor, SchoolSet]:
    account = await factory.account()
    s = await factory.school(account, name="Alpha")
    return await factory.actor(account), s


async def _input(
    gql: GraphQLClient, actor: Actor, operation: str, input: dict[str, Any]
) -> dict[str, Any]:
    """The whole answer to a mutation taking `input`, sent with the actor's token."""
    body: dict[str, Any] = await gql(operation, {"input": input}, token=actor.token)
    return body


def _error(field: list[str] | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


async def test_create_school_refuses_unknown_currency_and_blank_name(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, _ = await _admin_with_school(factory)
    body = await _input(gql, admin, CREATE_SCHOOL, {"name": "  ", "currency": "XXY"})
    assert body == {
        "data": {
            "createSchool": {
                "school": None,
                "errors": [
                    _error(["input", "name"], "INVALID_INPUT", "This value may not be blank."),
                    _error(
                        ["input", "currency"],
                        "INVALID_INPUT",
                        "'XXY' is not an ISO 4217 currency code.",
                    ),
                ],
            }
        }
    }


async def test_create_term(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_TERM,
        {
            "schoolId": gid("School", s.school.id),
            "name": "Term 2 2026",
            "startDate": "2026-05-04",
            "endDate": "2026-08-07",
        },
    )
    assert body == {
        "data": {
            "createTerm": {
                "term": {
                    "name": "Term 2 2026",
                    "startDate": "2026-05-04",
                    "endDate": "2026-08-07",
                    "school": {"name": "Alpha"},
                },
                "errors": [],
            }
        }
    }


async def test_create_term_ending_before_it_starts_is_refused(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_TERM,
        {
            "schoolId": gid("School", s.school.id),
            "name": "Term\x002",
            "startDate": "2026-05-04",
            "endDate": "2026-05-03",
        },
    )
    assert body["data"]["createTerm"] == {
        "term": None,
        "errors": [
            _error(
                ["input", "name"], "INVALID_INPUT", "This value may not hold control characters."
            ),
            _error(
                ["input", "endDate"],
                "INVALID_DATE_RANGE",
                "The term may not end before it starts.",
            ),
        ],
    }


async def test_create_term_with_a_taken_name_is_duplicate(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_TERM,
        {
            "schoolId": gid("School", s.school.id),
            "name": s.term.name,
            "startDate": "2026-05-04",
            "endDate": "2026-08-07",
        },
    )
    assert body["data"]["createTerm"] == {
        "term": None,
        "errors": [
            _error(["input", "name"], "DUPLICATE", "A term with this name exists in the school.")
        ],
    }


async def test_create_grade_and_refuse_negative_level(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    school_id = gid("School", s.school.id)
    ok = await _input(
        gql, admin, CREATE_GRADE, {"schoolId": school_id, "name": "Grade 3", "level": 3}
    )
    bad = await _input(
        gql, admin, CREATE_GRADE, {"schoolId": school_id, "name": "x" * 101, "level": -1}
    )
    assert ok["data"]["createGrade"] == {
        "grade": {"name": "Grade 3", "level": 3, "school": {"name": "Alpha"}},
        "errors": [],
    }
    assert bad["data"]["createGrade"] == {
        "grade": None,
        "errors": [
            _error(["input", "name"], "INVALID_INPUT", "This value may be at most 100 characters."),
            _error(["input", "level"], "INVALID_INPUT", "This value must be between 0 and 100."),
        ],
    }


async def test_create_stream_and_refuse_blank_name(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    school_id = gid("School", s.school.id)
    ok = await _input(gql, admin, CREATE_STREAM, {"schoolId": school_id, "name": " South "})
    bad = await _input(gql, admin, CREATE_STREAM, {"schoolId": school_id, "name": ""})
    assert ok["data"]["createStream"] == {
        "stream": {"name": "South", "school": {"name": "Alpha"}},
        "errors": [],
    }
    assert bad["data"]["createStream"] == {
        "stream": None,
        "errors": [_error(["input", "name"], "INVALID_INPUT", "This value may not be blank.")],
    }


async def test_create_school_class_with_and_without_stream(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    base = {"schoolId": gid("School", s.school.id), "gradeId": gid("Grade", s.grades[1].id)}
    with_stream = await _input(
        gql,
        admin,
        CREATE_CLASS,
        {**base, "streamId": gid("Stream", s.streams[0].id), "name": "2E bis"},
    )
    without = await _input(gql, admin, CREATE_CLASS, {**base, "name": "2 Open"})
    assert with_stream["data"]["createSchoolClass"] == {
        "schoolClass": {
            "name": "2E bis",
            "grade": {"name": "Grade 2"},
            "stream": {"name": "East"},
            "school": {"name": "Alpha"},
        },
        "errors": [],
    }
    assert without["data"]["createSchoolClass"]["schoolClass"]["stream"] is None


async def test_create_school_class_with_ids_of_other_schools_is_refused(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a sibling school of the same account and a school of another account
    account = await factory.account()
    s = await factory.school(account, name="Alpha")
    sibling = await factory.school(account)
    admin = await factory.actor(account)
    foreign = await factory.school(await factory.account())
    # when
    body = await _input(
        gql,
        admin,
        CREATE_CLASS,
        {
            "schoolId": gid("School", s.school.id),
            "gradeId": gid("Grade", sibling.grades[0].id),
            "streamId": gid("Stream", foreign.streams[0].id),
            "name": "Mixed",
        },
    )
    # then
    assert body["data"]["createSchoolClass"] == {
        "schoolClass": None,
        "errors": [
            _error(
                ["input", "gradeId"], "MISMATCHED_SCHOOL", "The grade belongs to another school."
            ),
            _error(["input", "streamId"], "NOT_FOUND", "Stream not found."),
        ],
    }


async def test_create_user_returns_a_working_token_once(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given
    admin, s = await _admin_with_school(factory)
    # when
    body = await _input(
        gql,
        admin,
        CREATE_USER,
        {
            "email": "Bursar@Alpha.ac.ke",
            "name": "The Bursar",
            "role": "FINANCE",
            "schoolIds": [gid("School", s.school.id)],
        },
    )
    # then
    payload = body["data"]["createUser"]
    token = payload.pop("apiToken")
    assert payload == {
        "user": {
            "email": "bursar@alpha.ac.ke",
            "name": "The Bursar",
            "role": "FINANCE",
            "schools": [{"name": "Alpha"}],
        },
        "errors": [],
    }
    me = await gql("{ viewer { email role } schools { name } }", token=token)
    assert me == {
        "data": {
            "viewer": {"email": "bursar@alpha.ac.ke", "role": "FINANCE"},
            "schools": [{"name": "Alpha"}],
        }
    }


async def test_create_user_refuses_taken_email_and_bad_school(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, _ = await _admin_with_school(factory)
    users_before = await User.all().count()
    body = await _input(
        gql, admin, CREATE_USER, {"email": "not mail", "role": "VIEWER", "schoolIds": ["nonsense"]}
    )
    taken = await _input(
        gql, admin, CREATE_USER, {"email": admin.user.email.upper(), "role": "ADMIN"}
    )
    assert body["data"]["createUser"] == {
        "user": None,
        "apiToken": None,
        "errors": [
            _error(["input", "email"], "INVALID_INPUT", "'not mail' is not an e-mail address."),
            _error(["input", "schoolIds", "0"], "NOT_FOUND", "School not found."),
        ],
    }
    assert taken["data"]["createUser"] == {
        "user": None,
        "apiToken": None,
        "errors": [_error(["input", "email"], "DUPLICATE", "A user with this e-mail exists.")],
    }
    assert await User.all().count() == users_before


async def test_finance_may_not_create_users(gql: GraphQLClient, factory: Factory) -> None:
    _, finance = await factory.school_with(Role.FINANCE)
    body = await _input(gql, finance, CREATE_USER, {"email": "x@example.org", "role": "VIEWER"})
    assert body["data"]["createUser"] == {
        "user": None,
        "apiToken": None,
        "errors": [
            _error(
                None, "PERMISSION_DENIED", "Your role (FINANCE) may not do this; it needs ADMIN."
            )
        ],
    }
    assert await User.filter(email="x@example.org").count() == 0


def _student(number: str, **extra: Any) -> dict[str, Any]:
    return {"admissionNumber": number, "firstName": "Amina", "lastName": "Otieno", **extra}


async def test_create_students_as_finance(gql: GraphQLClient, factory: Factory) -> None:
    # given
    s, finance = await factory.school_with(Role.FINANCE, name="Alpha")
    # when
    body = await _input(
        gql,
        finance,
        CREATE_STUDENTS,
        {
            "schoolId": gid("School", s.school.id),
            "students": [
                _student(
                    "A-1",
                    schoolClassId=gid("SchoolClass", s.classes[0].id),
                    guardianName="Mama Amina",
                    guardianEmail="mama@example.org",
                    guardianPhone="+254 700 000 001",
                ),
                _student("A-2", status="INACTIVE", guardianEmail=""),
            ],
        },
    )
    # then
    assert body == {
        "data": {
            "createStudents": {
                "students": [
                    {
                        "admissionNumber": "A-1",
                        "firstName": "Amina",
                        "lastName": "Otieno",
                        "fullName": "Amina Otieno",
                        "status": "ACTIVE",
                        "schoolClass": {"name": s.classes[0].name},
                        "guardianName": "Mama Amina",
                        "guardianEmail": "mama@example.org",
                        "guardianPhone": "+254700000001",
                        "school": {"name": "Alpha"},
                    },
                    {
                        "admissionNumber": "A-2",
                        "firstName": "Amina",
                        "lastName": "Otieno",
                        "fullName": "Amina Otieno",
                        "status": "INACTIVE",
                        "schoolClass": None,
                        "guardianName": None,
                        "guardianEmail": None,
                        "guardianPhone": None,
                        "school": {"name": "Alpha"},
                    },
                ],
                "errors": [],
            }
        }
    }
    assert await Student.filter(school_id=s.school.id).count() == 2


async def test_create_students_reports_duplicates_in_batch_and_against_existing(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    existing = await factory.student(s.school)
    body = await _input(
        gql,
        admin,
        CREATE_STUDENTS,
        {
            "schoolId": gid("School", s.school.id),
            "students": [
                _student("N-1"),
                _student(existing.admission_number),
                _student("N-3", guardianEmail="mama@"),
                _student("N-1", firstName=" "),
            ],
        },
    )
    row = ["input", "students"]
    assert body["data"]["createStudents"] == {
        "students": [],
        "errors": [
            _error(
                [*row, "2", "guardianEmail"],
                "INVALID_INPUT",
                "'mama@' is not an e-mail address.",
            ),
            _error([*row, "3", "firstName"], "INVALID_INPUT", "This value may not be blank."),
            _error(
                [*row, "1", "admissionNumber"],
                "DUPLICATE",
                f"A student with admission number {existing.admission_number} exists.",
            ),
        ],
    }
    assert await Student.filter(school_id=s.school.id).count() == 1


async def test_create_students_flags_a_number_repeated_in_the_batch(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_STUDENTS,
        {
            "schoolId": gid("School", s.school.id),
            "students": [_student("N-1"), _student("N-2"), _student(" N-1 ")],
        },
    )
    assert body["data"]["createStudents"] == {
        "students": [],
        "errors": [
            _error(
                ["input", "students", "2", "admissionNumber"],
                "DUPLICATE",
                "Admission number N-1 is also given in row 0.",
            )
        ],
    }
    assert await Student.all().count() == 0


async def test_create_students_refuses_1001_and_none(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    school_id = gid("School", s.school.id)
    many = await _input(
        gql,
        admin,
        CREATE_STUDENTS,
        {"schoolId": school_id, "students": [_student(f"S{i}") for i in range(1001)]},
    )
    none = await _input(gql, admin, CREATE_STUDENTS, {"schoolId": school_id, "students": []})
    assert many["data"]["createStudents"] == {
        "students": [],
        "errors": [
            _error(["input", "students"], "INVALID_INPUT", "Give at most 1000 students at a time.")
        ],
    }
    assert none["data"]["createStudents"] == {
        "students": [],
        "errors": [_error(["input", "students"], "INVALID_INPUT", "Give at least one student.")],
    }
    assert await Student.all().count() == 0


async def test_create_students_with_class_of_another_school_is_refused(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    foreign = await factory.school(await factory.account())
    body = await _input(
        gql,
        admin,
        CREATE_STUDENTS,
        {
            "schoolId": gid("School", s.school.id),
            "students": [
                _student("N-1", schoolClassId=gid("SchoolClass", foreign.classes[0].id)),
                _student("N-2", schoolClassId=gid("Grade", s.grades[0].id)),
            ],
        },
    )
    row = ["input", "students"]
    assert body["data"]["createStudents"] == {
        "students": [],
        "errors": [
            _error([*row, "0", "schoolClassId"], "NOT_FOUND", "Class not found."),
            _error([*row, "1", "schoolClassId"], "NOT_FOUND", "Class not found."),
        ],
    }
    assert await Student.all().count() == 0


async def test_update_student_changes_given_fields_and_keeps_the_rest(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given
    s, finance = await factory.school_with(Role.FINANCE, name="Alpha")
    student = await factory.student(s.school, s.classes[0], last_name="Otieno")
    # when
    body = await _input(
        gql,
        finance,
        UPDATE_STUDENT,
        {
            "studentId": gid("Student", student.id),
            "status": "GRADUATED",
            "schoolClassId": None,
            "lastName": "Kamau",
            "firstName": None,
            "guardianPhone": None,
            "guardianEmail": "papa@example.org",
        },
    )
    # then
    assert body == {
        "data": {
            "updateStudent": {
                "student": {
                    "admissionNumber": student.admission_number,
                    "firstName": student.first_name,
                    "lastName": "Kamau",
                    "fullName": f"{student.first_name} Kamau",
                    "status": "GRADUATED",
                    "schoolClass": None,
                    "guardianName": student.guardian_name,
                    "guardianEmail": "papa@example.org",
                    "guardianPhone": None,
                    "school": {"name": "Alpha"},
                },
                "errors": [],
            }
        }
    }
    row = await Student.get(pk=student.id)
    assert (row.status, row.school_class_id, row.guardian_name) == (
        StudentStatus.GRADUATED,
        None,
        student.guardian_name,
    )


async def test_update_student_refuses_blank_names(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    student = await factory.student(s.school, s.classes[0])
    body = await _input(
        gql,
        admin,
        UPDATE_STUDENT,
        {"studentId": gid("Student", student.id), "firstName": "", "lastName": " "},
    )
    assert body["data"]["updateStudent"] == {
        "student": None,
        "errors": [
            _error(["input", "firstName"], "INVALID_INPUT", "This value may not be blank."),
            _error(["input", "lastName"], "INVALID_INPUT", "This value may not be blank."),
        ],
    }
    assert (await Student.get(pk=student.id)).first_name == student.first_name


async def test_create_fee_structure(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_FEE,
        {
            "schoolId": gid("School", s.school.id),
            "name": "Term 2 Fees",
            "items": [
                {
                    "name": "Tuition",
                    "amount": "15000",
                    "gradeAmounts": [
                        {"gradeId": gid("Grade", s.grades[0].id), "amount": "12000.5"},
                        {"gradeId": gid("Grade", s.grades[1].id), "amount": "0"},
                    ],
                },
                {"name": "Lunch", "amount": "4500.50"},
            ],
        },
    )
    assert body == {
        "data": {
            "createFeeStructure": {
                "feeStructure": {
                    "name": "Term 2 Fees",
                    "school": {"name": "Alpha"},
                    "items": [
                        {
                            "name": "Tuition",
                            "amount": {"amount": "15000.00", "currency": "KES"},
                            "gradeAmounts": [
                                {
                                    "grade": {"name": "Grade 1"},
                                    "amount": {"amount": "12000.50", "currency": "KES"},
                                },
                                {
                                    "grade": {"name": "Grade 2"},
                                    "amount": {"amount": "0.00", "currency": "KES"},
                                },
                            ],
                        },
                        {
                            "name": "Lunch",
                            "amount": {"amount": "4500.50", "currency": "KES"},
                            "gradeAmounts": [],
                        },
                    ],
                },
                "errors": [],
            }
        }
    }


async def test_create_fee_structure_refuses_bad_amounts_and_grades(
    gql: GraphQLClient, factory: Factory
) -> None:
    admin, s = await _admin_with_school(factory)
    foreign = await factory.school(await factory.account())
    body = await _input(
        gql,
        admin,
        CREATE_FEE,
        {
            "schoolId": gid("School", s.school.id),
            "name": "Term 2 Fees",
            "items": [
                {"name": "Tuition", "amount": "-5"},
                {
                    "name": " ",
                    "amount": "10",
                    "gradeAmounts": [
                        {"gradeId": gid("Grade", s.grades[0].id), "amount": "0.125"},
                        {"gradeId": gid("Grade", s.grades[0].id), "amount": "1"},
                        {"gradeId": gid("Grade", foreign.grades[0].id), "amount": "1"},
                    ],
                },
            ],
        },
    )
    item = ["input", "items"]
    assert body["data"]["createFeeStructure"] == {
        "feeStructure": None,
        "errors": [
            _error([*item, "0", "amount"], "INVALID_INPUT", "The amount must be 0 or more."),
            _error([*item, "1", "name"], "INVALID_INPUT", "This value may not be blank."),
            _error(
                [*item, "1", "gradeAmounts", "0", "amount"],
                "INVALID_INPUT",
                "Amounts have at most 2 decimal places.",
            ),
            _error(
                [*item, "1", "gradeAmounts", "1", "gradeId"],
                "INVALID_INPUT",
                "This grade already has an amount in this item.",
            ),
            _error([*item, "1", "gradeAmounts", "2", "gradeId"], "NOT_FOUND", "Grade not found."),
        ],
    }
    assert await FeeStructure.filter(school_id=s.school.id).count() == 1


async def test_create_fee_structure_needs_items(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_FEE,
        {"schoolId": gid("School", s.school.id), "name": "Empty", "items": []},
    )
    assert body["data"]["createFeeStructure"] == {
        "feeStructure": None,
        "errors": [_error(["input", "items"], "INVALID_INPUT", "Give at least one fee item.")],
    }
    assert await FeeStructure.filter(name="Empty").count() == 0


async def test_students_query_filters_orders_and_pages(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given five students of one school and one of a sibling school
    account = await factory.account()
    s = await factory.school(account)
    viewer = await factory.actor(account, Role.VIEWER, [s.school])
    for name in ["Zulu", "Abdi", "Mwangi", "Kamau"]:
        await factory.student(s.school, s.classes[0], last_name=name)
    await factory.student(s.school, s.classes[2], last_name="Otieno", status=StudentStatus.INACTIVE)
    await factory.student((await factory.school(account)).school, last_name="Aaron")
    school_id = gid("School", s.school.id)
    # when
    first = await gql(STUDENTS, {"schoolId": school_id, "first": 2}, token=viewer.token)
    cursor = first["data"]["students"]["pageInfo"]["endCursor"]
    rest = await gql(STUDENTS, {"schoolId": school_id, "after": cursor}, token=viewer.token)
    grade_1_active = await gql(
        STUDENTS,
        {
            "schoolId": school_id,
            "filter": {"gradeId": gid("Grade", s.grades[0].id), "statuses": ["ACTIVE"]},
        },
        token=viewer.token,
    )
    searched = await gql(
        STUDENTS, {"schoolId": school_id, "filter": {"search": "OTI"}}, token=viewer.token
    )
    # then
    assert first["data"]["students"]["totalCount"] == 5
    assert [e["node"]["lastName"] for e in first["data"]["students"]["edges"]] == ["Abdi", "Kamau"]
    assert first["data"]["students"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["lastName"] for e in rest["data"]["students"]["edges"]] == [
        "Mwangi",
        "Otieno",
        "Zulu",
    ]
    assert rest["data"]["students"]["pageInfo"]["hasPreviousPage"] is True
    assert rest["data"]["students"]["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["lastName"] for e in grade_1_active["data"]["students"]["edges"]] == [
        "Abdi",
        "Kamau",
        "Mwangi",
        "Zulu",
    ]
    assert searched["data"]["students"]["totalCount"] == 1
    assert searched["data"]["students"]["edges"][0]["node"]["lastName"] == "Otieno"


async def test_students_query_refuses_pages_over_100(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    body = await gql(
        STUDENTS, {"schoolId": gid("School", s.school.id), "first": 101}, token=admin.token
    )
    assert body["data"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("`first` must be between 0 and 100.", {"code": "INVALID_INPUT"})
    ]


async def test_money_is_never_a_float(gql: GraphQLClient, factory: Factory) -> None:
    admin, s = await _admin_with_school(factory)
    body = await _input(
        gql,
        admin,
        CREATE_FEE,
        {
            "schoolId": gid("School", s.school.id),
            "name": "Precise",
            "items": [
                {"name": "Tiny", "amount": "0.10"},
                {"name": "Big", "amount": "9999999999.99"},
            ],
        },
    )
    items = body["data"]["createFeeStructure"]["feeStructure"]["items"]
    assert [i["amount"]["amount"] for i in items] == ["0.10", "9999999999.99"]
    stored = await FeeStructure.get(name="Precise").prefetch_related("items")
    assert sorted(i.amount for i in stored.items) == [Decimal("0.10"), Decimal("9999999999.99")]
