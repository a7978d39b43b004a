"""Cursors are keyset cursors: pages neither repeat nor skip rows while the list changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from api.ids import encode_id
from domain.billing.preview import preview_billing_run
from domain.models import Invoice, Role
from tests.billing_helpers import bill, new_run, populate
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet

RUNS = """query($s: ID!, $first: Int, $after: String) {
  billingRuns(schoolId: $s, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } } }"""
INVOICES = """query($s: ID!, $first: Int, $after: String) {
  invoices(schoolId: $s, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"""
STUDENTS = """query($s: ID!, $first: Int, $after: String) {
  students(schoolId: $s, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"""


async def _school(factory: Factory) -> tuple[SchoolSet, Actor]:
    account = await factory.account()
    s = await factory.school(account)
    await populate(factory, s, 2)  # 8 students
    return s, await factory.actor(account, Role.ADMIN)


async def _page(
    gql: GraphQLClient, actor: Actor, query: str, field: str, s: SchoolSet, **variables: Any
) -> dict[str, Any]:
    body = await gql(query, {"s": encode_id("School", s.school.id), **variables}, actor.token)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"][field]
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in page["edges"]]


async def test_a_run_created_between_two_pages_shows_no_run_twice(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given four runs, and their first page of two
    s, admin = await _school(factory)
    old = [await new_run(admin, s) for _ in range(4)]
    first = await _page(gql, admin, RUNS, "billingRuns", s, first=2)
    # when a colleague creates a run, then the client fetches more
    await new_run(admin, s)
    second = await _page(
        gql, admin, RUNS, "billingRuns", s, first=2, after=first["pageInfo"]["endCursor"]
    )
    # then the second page continues where the first ended: no run twice, none skipped
    newest_first = [encode_id("BillingRun", r.id) for r in reversed(old)]
    assert _ids(first) == newest_first[:2]
    assert _ids(second) == newest_first[2:]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["totalCount"] == 5


async def test_invoices_written_or_deleted_between_pages_do_not_shift_the_next_page(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given six invoices, newest first, and their first page of three
    s, admin = await _school(factory)
    students = await s.school.students.all().order_by("id")
    existing = [await factory.invoice(s, st) for st in students[:6]]
    first = await _page(gql, admin, INVOICES, "invoices", s, first=3)
    newest_first = [encode_id("Invoice", i.id) for i in reversed(existing)]
    assert _ids(first) == newest_first[:3]
    # when a run generates newer invoices and one invoice of the first page is deleted
    await bill(admin, await new_run(admin, s))
    await Invoice.filter(id=existing[-1].id).delete()
    second = await _page(
        gql, admin, INVOICES, "invoices", s, first=3, after=first["pageInfo"]["endCursor"]
    )
    # then page 2 holds the next older invoices, none newer than page 1 and none skipped
    assert _ids(second) == newest_first[3:]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_students_added_before_the_cursor_do_not_repeat_a_student(
    gql: GraphQLClient, factory: Factory
) -> None:
    s, admin = await _school(factory)
    first = await _page(gql, admin, STUDENTS, "students", s, first=4)
    rest = await _page(gql, admin, STUDENTS, "students", s, first=10)
    # when a student sorting before everyone is admitted
    await factory.student(s.school, s.classes[0], last_name="Aaronson")
    second = await _page(
        gql, admin, STUDENTS, "students", s, first=10, after=first["pageInfo"]["endCursor"]
    )
    assert _ids(second) == _ids(rest)[4:]
    assert not set(_ids(first)) & set(_ids(second))


def _b64(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(text.encode()).decode()


#: Cursors no list ever handed out, each of which must be refused as INVALID_INPUT.
BAD_CURSORS = [
    "garbage!",
    "",
    _b64("o:5"),  # the old offset cursors
    _b64("o:-1"),
    _b64("o:99999999999999999999999"),
    _b64([]),
    _b64({"a": 1}),
    _b64(["Nope", "2026-01-01T00:00:00+00:00", 1]),
    _b64(["BillingRun:created_at,id", "2026-01-01T00:00:00+00:00", 1]),
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00"]),
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00", 1, 2]),
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00", 1]),  # no offset
    _b64(["BillingRun:-created_at,-id", "not a date", 1]),
    _b64(["BillingRun:-created_at,-id", 12, 1]),
    _b64(
        ["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00", 2**31]
    ),  # beyond the id column
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00", -(2**63) - 1]),
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00", "1"]),
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00", True]),
    _b64(["BillingRun:-created_at,-id", "2026-01-01T00:00:00+00:00", 1.5]),
    _b64(["BillingRun:-created_at,-id", "99999-01-01T00:00:00+00:00", 1]),
    "\x00\x01",
    "A" * 5000,
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
async def test_a_cursor_no_list_handed_out_is_invalid_input_never_a_crash(
    gql: GraphQLClient, factory: Factory, cursor: str
) -> None:
    s, admin = await _school(factory)
    await new_run(admin, s)
    response = await gql.post(
        RUNS, {"s": encode_id("School", s.school.id), "after": cursor}, token=admin.token
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"], body
    assert body["errors"][0]["message"] == "`after` is not a cursor of this list."


async def test_every_connection_refuses_cursors_of_another_list_or_out_of_range(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a billed run (runs, invoices, preview lines, students and audit events exist)
    s, admin = await _school(factory)
    run = await new_run(admin, s)
    await preview_billing_run(admin.caller, run.id)
    await bill(admin, run)
    student = await s.school.students.all().first()
    assert student is not None
    school = encode_id("School", s.school.id)
    run_id, student_id = (
        encode_id("BillingRun", run.id),
        encode_id("Student", student.id),
    )
    lists = {
        "billingRuns": ("billingRuns(schoolId: $s, first: 1, after: $a)", {"s": school}),
        "invoices": ("invoices(schoolId: $s, first: 1, after: $a)", {"s": school}),
        "students": ("students(schoolId: $s, first: 1, after: $a)", {"s": school}),
        "auditEvents": ("auditEvents(schoolId: $s, first: 1, after: $a)", {"s": school}),
        "runInvoices": (
            "node(id: $s) { ... on BillingRun { invoices(first: 1, after: $a)",
            {"s": run_id},
        ),
        "previewLines": (
            "node(id: $s) { ... on BillingRun { preview { lines(first: 1, after: $a)",
            {"s": run_id},
        ),
        "studentInvoices": (
            "node(id: $s) { ... on Student { invoices(first: 1, after: $a)",
            {"s": student_id},
        ),
    }

    def query(name: str) -> str:
        selection, _ = lists[name]
        closing = "}" * selection.count("{")
        kind = "ID!" if name not in ("auditEvents",) else "ID"
        return (
            f"query($s: {kind}, $a: String) {{ {selection} {{ pageInfo {{ endCursor }} "
            f"edges {{ cursor }} }} {closing} }}"
        )

    def page_of(name: str, body: dict[str, Any]) -> dict[str, Any]:
        data: Any = body["data"]
        if name in ("runInvoices", "studentInvoices"):
            return data["node"]["invoices"]  # type: ignore[no-any-return]
        if name == "previewLines":
            return data["node"]["preview"]["lines"]  # type: ignore[no-any-return]
        return data[name]  # type: ignore[no-any-return]

    # the cursor of each list's first row
    cursors = {}
    for name, (_, variables) in lists.items():
        body = await gql(query(name), {**variables, "a": None}, admin.token)
        assert "errors" not in body, (name, body)
        cursors[name] = page_of(name, body)["pageInfo"]["endCursor"]
        assert cursors[name], name
        # its own cursor is taken
        body = await gql(query(name), {**variables, "a": cursors[name]}, admin.token)
        assert "errors" not in body, (name, body)
    # then any other list's cursor, and out-of-range keys, are INVALID_INPUT
    for name, (_, variables) in lists.items():
        mine = json.loads(base64.urlsafe_b64decode(cursors[name] + "==").decode())
        # (a school's and a student's invoices share their order: their cursors are alike)
        alike = {name} | ({"invoices", "studentInvoices"} if "nvoices" in name else set())
        bad = [c for other, c in cursors.items() if other not in alike or other == "runInvoices"]
        bad = [c for c in bad if c != cursors[name]]
        bad.append(_b64([*mine[:-1], 2**63]))  # the id beyond any id column
        bad.append(_b64([mine[0], *["x\x00"] * (len(mine) - 1)]))
        for cursor in bad:
            response = await gql.post(query(name), {**variables, "a": cursor}, token=admin.token)
            assert response.status_code == 200, (name, response.text)
            errors = response.json().get("errors")
            assert errors and errors[0]["extensions"]["code"] == "INVALID_INPUT", (
                name,
                cursor,
                response.json(),
            )
