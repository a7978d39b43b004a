"""Pricing over GraphQL: a bursar sets up categories, optional items and discounts, and the
preview shows each student's charges and discounts, and the totals per item and discount."""

from __future__ import annotations

from typing import Any

import pytest

from api.ids import encode_id
from domain.models import FeeItem, FeeItemKind, Student
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.world import World, build_world

ERRORS = "errors { field code message }"
CREATE_CATEGORY = f"""mutation($i: CreateFeeCategoryInput!) {{
  createFeeCategory(input: $i) {{ feeCategory {{ id name }} {ERRORS} }} }}"""
CREATE_FAMILY = f"""mutation($i: CreateFamilyInput!) {{
  createFamily(input: $i) {{ family {{ id name students {{ admissionNumber }} }} {ERRORS} }} }}"""
SUBSCRIBE = f"""mutation($i: SubscribeStudentsInput!) {{
  subscribeStudents(input: $i) {{ feeSubscriptions {{ id feeItem {{ name kind }}
    fromTerm {{ name }} untilTerm {{ name }} }} {ERRORS} }} }}"""
CREATE_DISCOUNT = f"""mutation($i: CreateDiscountInput!) {{
  createDiscount(input: $i) {{ discount {{ id name kind value siblingPosition
    feeItems {{ name }} }} {ERRORS} }} }}"""
ASSIGN = f"""mutation($i: AssignDiscountInput!) {{
  assignDiscount(input: $i) {{ studentDiscounts {{ id reference discount {{ name }} }} {ERRORS} }} }}"""
UPDATE_STUDENT = f"""mutation($i: UpdateStudentInput!) {{
  updateStudent(input: $i) {{ student {{ feeCategory {{ name }} family {{ name }} }} {ERRORS} }} }}"""
PREVIEW = f"""mutation($i: PreviewBillingRunInput!) {{ previewBillingRun(input: $i) {{
  billingRun {{ preview {{ invoiceCount totalAmount {{ amount }} grossAmount {{ amount }}
    discountAmount {{ amount }} noChargesCount
    itemTotals {{ feeItem {{ name }} studentCount amount {{ amount }} }}
    discountTotals {{ discount {{ name }} studentCount amount {{ amount }} }}
    lines(first: 10) {{ edges {{ node {{ student {{ admissionNumber }} status exclusionReason
      grossAmount {{ amount }} discountAmount {{ amount }} amount {{ amount }}
      charges {{ kind description amount {{ amount }} feeItem {{ name }} discount {{ name }} }}
    }} }} }} }} }} {ERRORS} }} }}"""


@pytest.fixture
async def world(factory: Factory) -> World:
    # Alpha: Tuition 15000 (Grade 1: 12000), Lunch 4500.50, Transport 3000 (Grade 1: 0)
    w = await build_world(factory, students=2)
    await FeeItem.filter(fee_structure_id=w.s.fee.id, name="Transport").update(
        kind=FeeItemKind.OPTIONAL
    )
    # both students in Grade 2 (classes 2 and 3 are Grade 2 East and West)
    for st, klass in zip(w.students, w.s.classes[2:], strict=True):
        await Student.filter(id=st.id).update(school_class_id=klass.id)
    return w


async def _ok(gql: GraphQLClient, query: str, payload: str, i: dict[str, Any], token: str) -> Any:
    data = await gql.data(query, {"i": i}, token)
    assert data[payload]["errors"] == [], data
    return data[payload]


async def test_the_preview_shows_each_students_charges_and_discounts(
    gql: GraphQLClient, world: World
) -> None:
    # given a bursar's setup: a boarder category, transport for one student, a 50% staff
    # discount on tuition for the first, a 10% sibling discount from the second child
    token = world.finance.token
    school = encode_id("School", world.s.school.id)
    term = encode_id("Term", world.s.term.id)
    first, second = (encode_id("Student", st.id) for st in world.students)
    transport = await FeeItem.get(fee_structure_id=world.s.fee.id, name="Transport")
    tuition = await FeeItem.get(fee_structure_id=world.s.fee.id, name="Tuition")
    category = await _ok(
        gql, CREATE_CATEGORY, "createFeeCategory", {"schoolId": school, "name": "Boarder"}, token
    )
    family = await _ok(
        gql,
        CREATE_FAMILY,
        "createFamily",
        {"schoolId": school, "name": "Kamau", "studentIds": [first, second]},
        token,
    )
    updated = await _ok(
        gql,
        UPDATE_STUDENT,
        "updateStudent",
        {"studentId": first, "feeCategoryId": category["feeCategory"]["id"]},
        token,
    )
    assert updated["student"] == {"feeCategory": {"name": "Boarder"}, "family": {"name": "Kamau"}}
    subscribed = await _ok(
        gql,
        SUBSCRIBE,
        "subscribeStudents",
        {
            "feeItemId": encode_id("FeeItem", transport.id),
            "studentIds": [second],
            "fromTermId": term,
        },
        token,
    )
    assert subscribed["feeSubscriptions"] == [
        {
            "id": subscribed["feeSubscriptions"][0]["id"],
            "feeItem": {"name": "Transport", "kind": "OPTIONAL"},
            "fromTerm": {"name": "Term 1 2026"},
            "untilTerm": None,
        }
    ]
    staff = await _ok(
        gql,
        CREATE_DISCOUNT,
        "createDiscount",
        {
            "schoolId": school,
            "name": "Staff child",
            "kind": "PERCENTAGE",
            "value": "50",
            "feeItemIds": [encode_id("FeeItem", tuition.id)],
        },
        token,
    )
    assert staff["discount"]["feeItems"] == [{"name": "Tuition"}]
    await _ok(
        gql,
        CREATE_DISCOUNT,
        "createDiscount",
        {
            "schoolId": school,
            "name": "Sibling",
            "kind": "PERCENTAGE",
            "value": "10",
            "siblingPosition": 2,
        },
        token,
    )
    await _ok(
        gql,
        ASSIGN,
        "assignDiscount",
        {
            "discountId": staff["discount"]["id"],
            "studentIds": [first],
            "fromTermId": term,
            "reference": "HR/17",
        },
        token,
    )
    run_id = await GraphQLClient(gql.client, token).create_run(world.s)
    # when
    preview = (await _ok(gql, PREVIEW, "previewBillingRun", {"billingRunId": run_id}, token))[
        "billingRun"
    ]["preview"]
    # then: the first (eldest by admission number) pays half tuition; the second pays
    # transport and 10% less on everything
    lines = {e["node"]["student"]["admissionNumber"]: e["node"] for e in preview["lines"]["edges"]}
    a, b = (lines[st.admission_number] for st in world.students)
    assert [(c["kind"], c["description"], c["amount"]["amount"]) for c in a["charges"]] == [
        ("CHARGE", "Tuition", "15000.00"),
        ("CHARGE", "Lunch", "4500.50"),
        ("DISCOUNT", "Staff child", "-7500.00"),
    ]
    assert (a["grossAmount"]["amount"], a["discountAmount"]["amount"], a["amount"]["amount"]) == (
        "19500.50",
        "7500.00",
        "12000.50",
    )
    assert a["charges"][2]["discount"] == {"name": "Staff child"}
    assert [(c["kind"], c["description"], c["amount"]["amount"]) for c in b["charges"]] == [
        ("CHARGE", "Tuition", "15000.00"),
        ("CHARGE", "Lunch", "4500.50"),
        ("CHARGE", "Transport", "3000.00"),
        ("DISCOUNT", "Sibling", "-2250.05"),
    ]
    assert preview["invoiceCount"] == 2
    assert preview["grossAmount"]["amount"] == "42001.00"
    assert preview["discountAmount"]["amount"] == "9750.05"
    assert preview["totalAmount"]["amount"] == "32250.95"
    assert preview["noChargesCount"] == 0
    assert preview["itemTotals"] == [
        {"feeItem": {"name": "Tuition"}, "studentCount": 2, "amount": {"amount": "30000.00"}},
        {"feeItem": {"name": "Lunch"}, "studentCount": 2, "amount": {"amount": "9001.00"}},
        {"feeItem": {"name": "Transport"}, "studentCount": 1, "amount": {"amount": "3000.00"}},
    ]
    assert sorted(
        (t["discount"]["name"], t["studentCount"], t["amount"]["amount"])
        for t in preview["discountTotals"]
    ) == [("Sibling", 1, "2250.05"), ("Staff child", 1, "7500.00")]
    assert family["family"]["students"] == [
        {"admissionNumber": st.admission_number} for st in world.students
    ]


async def test_a_viewer_is_denied_every_pricing_mutation(gql: GraphQLClient, world: World) -> None:
    school = encode_id("School", world.s.school.id)
    data = await gql.data(
        CREATE_DISCOUNT,
        {"i": {"schoolId": school, "name": "X", "kind": "FIXED_AMOUNT", "value": "5"}},
        world.viewer.token,
    )
    assert data["createDiscount"]["discount"] is None
    assert [e["code"] for e in data["createDiscount"]["errors"]] == ["PERMISSION_DENIED"]
    data = await gql.data(
        CREATE_CATEGORY, {"i": {"schoolId": school, "name": "X"}}, world.viewer.token
    )
    assert [e["code"] for e in data["createFeeCategory"]["errors"]] == ["PERMISSION_DENIED"]
