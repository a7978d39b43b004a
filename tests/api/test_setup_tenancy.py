"""Nobody reaches a school they may not see, and a VIEWER changes nothing: every setup
operation, called with ids of real objects, answers as if they did not exist (or as denied)
and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain import db as dbmod
from domain.models import Role, Student
from tests.api import setup_ops as ops
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet
from tests.world import World, build_world

COUNTED_TABLES = [
    "account",
    "app_user",
    "school_grant",
    "api_token",
    "school",
    "term",
    "grade",
    "stream",
    "school_class",
    "student",
    "fee_structure",
    "fee_item",
    "fee_item_grade_amount",
]


async def row_counts() -> dict[str, int]:
    conn = dbmod.conn()
    counts = {}
    for table in COUNTED_TABLES:
        _, rows = await conn.execute_query(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = int(rows[0]["n"])
    return counts


async def student_row(pk: int) -> dict[str, Any]:
    rows = await Student.filter(pk=pk).values()
    return rows[0]


@pytest.fixture
async def world(factory: Factory) -> World:
    """Alpha with one student, and the people who may not touch it."""
    return await build_world(factory, students=1)


Inputs = Callable[[World], dict[str, Any]]


def _school(w: World) -> str:
    return ops.gid("School", w.s.school.id)


#: name -> (operation, input given ids of Alpha's objects, payload's object field, its null)
WRITES: dict[str, tuple[str, Inputs, str, Any]] = {
    "createTerm": (
        ops.CREATE_TERM,
        lambda w: {
            "schoolId": _school(w),
            "name": "Term 9",
            "startDate": "2026-05-04",
            "endDate": "2026-08-07",
        },
        "term",
        None,
    ),
    "createGrade": (
        ops.CREATE_GRADE,
        lambda w: {"schoolId": _school(w), "name": "Grade 9", "level": 9},
        "grade",
        None,
    ),
    "createStream": (
        ops.CREATE_STREAM,
        lambda w: {"schoolId": _school(w), "name": "South"},
        "stream",
        None,
    ),
    "createSchoolClass": (
        ops.CREATE_CLASS,
        lambda w: {
            "schoolId": _school(w),
            "gradeId": ops.gid("Grade", w.s.grades[0].id),
            "streamId": ops.gid("Stream", w.s.streams[0].id),
            "name": "New class",
        },
        "schoolClass",
        None,
    ),
    "createStudents": (
        ops.CREATE_STUDENTS,
        lambda w: {
            "schoolId": _school(w),
            "students": [
                {
                    "admissionNumber": "NEW-1",
                    "firstName": "A",
                    "lastName": "B",
                    "schoolClassId": ops.gid("SchoolClass", w.s.classes[0].id),
                }
            ],
        },
        "students",
        [],
    ),
    "updateStudent": (
        ops.UPDATE_STUDENT,
        lambda w: {
            "studentId": ops.gid("Student", w.students[0].id),
            "lastName": "Changed",
            "status": "WITHDRAWN",
            "schoolClassId": None,
        },
        "student",
        None,
    ),
    "createFeeStructure": (
        ops.CREATE_FEE,
        lambda w: {
            "schoolId": _school(w),
            "name": "Sneaky",
            "items": [
                {
                    "name": "Tuition",
                    "amount": "1.00",
                    "gradeAmounts": [
                        {"gradeId": ops.gid("Grade", w.s.grades[0].id), "amount": "2"}
                    ],
                }
            ],
        },
        "feeStructure",
        None,
    ),
}

#: Which role each write needs (structure is the ADMIN's, students and fees FINANCE's).
NEEDS = {
    "createTerm": "ADMIN",
    "createGrade": "ADMIN",
    "createStream": "ADMIN",
    "createSchoolClass": "ADMIN",
    "createStudents": "FINANCE",
    "updateStudent": "FINANCE",
    "createFeeStructure": "FINANCE",
}


def _not_found_of(name: str) -> dict[str, Any]:
    if name == "updateStudent":
        return {
            "field": ["input", "studentId"],
            "code": "NOT_FOUND",
            "message": "Student not found.",
        }
    return {"field": ["input", "schoolId"], "code": "NOT_FOUND", "message": "School not found."}


async def _call(gql: GraphQLClient, name: str, w: World, actor: Actor) -> dict[str, Any]:
    operation, inputs, _, _ = WRITES[name]
    body = await gql(operation, {"input": inputs(w)}, token=actor.token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
@pytest.mark.parametrize("name", list(WRITES))
async def test_write_to_an_invisible_school_is_not_found_and_writes_nothing(
    gql: GraphQLClient, world: World, name: str, who: str
) -> None:
    # given
    actor: Actor = getattr(world, who)
    before, student_before = await row_counts(), await student_row(world.students[0].id)
    # when
    payload = await _call(gql, name, world, actor)
    # then
    _, _, field, empty = WRITES[name]
    assert payload == {field: empty, "errors": [_not_found_of(name)]}
    assert await row_counts() == before
    assert await student_row(world.students[0].id) == student_before


@pytest.mark.parametrize("name", list(WRITES))
async def test_viewer_write_is_permission_denied_and_writes_nothing(
    gql: GraphQLClient, world: World, name: str
) -> None:
    before, student_before = await row_counts(), await student_row(world.students[0].id)
    payload = await _call(gql, name, world, world.viewer)
    _, _, field, empty = WRITES[name]
    assert payload == {
        field: empty,
        "errors": [
            {
                "field": None,
                "code": "PERMISSION_DENIED",
                "message": f"Your role (VIEWER) may not do this; it needs {NEEDS[name]}.",
            }
        ],
    }
    assert await row_counts() == before
    assert await student_row(world.students[0].id) == student_before


async def test_the_same_writes_succeed_for_the_schools_admin(
    gql: GraphQLClient, world: World, factory: Factory
) -> None:
    # The refusals above are about who calls, not about the inputs: the owner succeeds.
    admin = await factory.actor(await world.s.school.account, Role.ADMIN)
    for name, (_, _, field, empty) in WRITES.items():
        payload = await _call(gql, name, world, admin)
        assert payload["errors"] == [], name
        assert payload[field] not in (None, empty), name
    assert (await Student.get(pk=world.students[0].id)).last_name == "Changed"


def _own_school(w: World, who: str) -> SchoolSet:
    return w.beta if who == "stranger" else w.sibling


#: Writes into the caller's own school that point at Alpha's objects: the reference is unknown.
CROSS: dict[str, tuple[str, Callable[[World, SchoolSet], dict[str, Any]], list[str], str]] = {
    "createStudents": (
        ops.CREATE_STUDENTS,
        lambda w, own: {
            "schoolId": ops.gid("School", own.school.id),
            "students": [
                {
                    "admissionNumber": "X-1",
                    "firstName": "A",
                    "lastName": "B",
                    "schoolClassId": ops.gid("SchoolClass", w.s.classes[0].id),
                }
            ],
        },
        ["input", "students", "0", "schoolClassId"],
        "Class not found.",
    ),
    "createFeeStructure": (
        ops.CREATE_FEE,
        lambda w, own: {
            "schoolId": ops.gid("School", own.school.id),
            "name": "Cross",
            "items": [
                {
                    "name": "Tuition",
                    "amount": "1",
                    "gradeAmounts": [
                        {"gradeId": ops.gid("Grade", w.s.grades[0].id), "amount": "1"}
                    ],
                }
            ],
        },
        ["input", "items", "0", "gradeAmounts", "0", "gradeId"],
        "Grade not found.",
    ),
}


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
@pytest.mark.parametrize("name", list(CROSS))
async def test_reference_to_an_invisible_school_object_is_not_found(
    gql: GraphQLClient, world: World, name: str, who: str
) -> None:
    operation, inputs, field, message = CROSS[name]
    actor: Actor = getattr(world, who)
    before = await row_counts()
    body = await gql(
        operation, {"input": inputs(world, _own_school(world, who))}, token=actor.token
    )
    assert body["data"][name]["errors"] == [
        {"field": field, "code": "NOT_FOUND", "message": message}
    ]
    assert await row_counts() == before


async def test_class_of_a_stranger_grade_is_not_found(gql: GraphQLClient, world: World) -> None:
    before = await row_counts()
    body = await gql(
        ops.CREATE_CLASS,
        {
            "input": {
                "schoolId": ops.gid("School", world.beta.school.id),
                "gradeId": ops.gid("Grade", world.s.grades[0].id),
                "streamId": ops.gid("Stream", world.s.streams[0].id),
                "name": "Cross",
            }
        },
        token=world.stranger.token,
    )
    assert body["data"]["createSchoolClass"] == {
        "schoolClass": None,
        "errors": [
            {"field": ["input", "gradeId"], "code": "NOT_FOUND", "message": "Grade not found."},
            {"field": ["input", "streamId"], "code": "NOT_FOUND", "message": "Stream not found."},
        ],
    }
    assert await row_counts() == before


async def test_stranger_admin_may_not_grant_a_foreign_school(
    gql: GraphQLClient, world: World
) -> None:
    before = await row_counts()
    body = await gql(
        ops.CREATE_USER,
        {
            "input": {
                "email": "spy@example.org",
                "role": "FINANCE",
                "schoolIds": [ops.gid("School", world.s.school.id)],
            }
        },
        token=world.stranger.token,
    )
    assert body["data"]["createUser"] == {
        "user": None,
        "apiToken": None,
        "errors": [
            {
                "field": ["input", "schoolIds", "0"],
                "code": "NOT_FOUND",
                "message": "School not found.",
            }
        ],
    }
    assert await row_counts() == before


@pytest.mark.parametrize("who", ["ungranted", "viewer"])
async def test_only_an_admin_creates_users_and_schools(
    gql: GraphQLClient, world: World, who: str
) -> None:
    actor: Actor = getattr(world, who)
    role = actor.user.role
    before = await row_counts()
    user = await gql(
        ops.CREATE_USER,
        {"input": {"email": "new@example.org", "role": "ADMIN"}},
        token=actor.token,
    )
    school = await gql(
        ops.CREATE_SCHOOL, {"input": {"name": "Gamma", "currency": "KES"}}, token=actor.token
    )
    denied = {
        "field": None,
        "code": "PERMISSION_DENIED",
        "message": f"Your role ({role}) may not do this; it needs ADMIN.",
    }
    assert user["data"]["createUser"] == {"user": None, "apiToken": None, "errors": [denied]}
    assert school["data"]["createSchool"] == {"school": None, "errors": [denied]}
    assert await row_counts() == before


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
async def test_students_of_an_invisible_school_is_not_found(
    gql: GraphQLClient, world: World, who: str
) -> None:
    actor: Actor = getattr(world, who)
    body = await gql(
        ops.STUDENTS, {"schoolId": ops.gid("School", world.s.school.id)}, token=actor.token
    )
    assert body["data"] is None
    assert [(e["message"], e["extensions"], e["path"]) for e in body["errors"]] == [
        ("School not found.", {"code": "NOT_FOUND"}, ["students"])
    ]


async def test_viewer_reads_the_students_of_the_granted_school(
    gql: GraphQLClient, world: World
) -> None:
    body = await gql(
        ops.STUDENTS, {"schoolId": ops.gid("School", world.s.school.id)}, token=world.viewer.token
    )
    assert body["data"]["students"]["totalCount"] == 1
    assert body["data"]["students"]["edges"] == [
        {
            "node": {
                "admissionNumber": world.students[0].admission_number,
                "lastName": world.students[0].last_name,
            }
        }
    ]


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
async def test_invisible_objects_are_null_by_node_and_absent_from_schools(
    gql: GraphQLClient, world: World, who: str
) -> None:
    actor: Actor = getattr(world, who)
    s = world.s
    ids = [
        ops.gid("School", s.school.id),
        ops.gid("Term", s.term.id),
        ops.gid("Grade", s.grades[0].id),
        ops.gid("Stream", s.streams[0].id),
        ops.gid("SchoolClass", s.classes[0].id),
        ops.gid("Student", world.students[0].id),
        ops.gid("FeeStructure", s.fee.id),
    ]
    for global_id in ids:
        assert await gql(ops.NODE, {"id": global_id}, token=actor.token) == {"data": {"node": None}}
    schools = await gql("{ schools { name } }", token=actor.token)
    assert "Alpha" not in [row["name"] for row in schools["data"]["schools"]]
    # The viewer, granted Alpha, sees the same ids: the nulls above are about tenancy.
    for global_id in ids:
        seen = await gql(ops.NODE, {"id": global_id}, token=world.viewer.token)
        assert seen == {"data": {"node": {"id": global_id}}}
