"""Billing runs over GraphQL: the whole flow, errors in payloads, tenancy and roles."""

from __future__ import annotations

from typing import Any

from api.ids import decode_id, encode_id
from domain.models import BillingRun, Invoice, Role
from tests.billing_helpers import populate, run_input
from tests.client import GraphQLClient
from tests.factories import Factory

RUN_FIELDS = """
  id name status studentsBilled totalAmount { amount currency }
  scope { kind grade { name } students { admissionNumber } }
  progress { total processed invoiced skipped failed percent }
  preview {
    invoiceCount totalAmount { amount currency } excludedCount alreadyInvoicedCount
    inactiveCount manuallyExcludedCount warnings { code }
    lines(first: 2) { totalCount edges { node { status amount { amount } student { admissionNumber } } } }
  }
"""

CREATE = (
    "mutation($input: CreateBillingRunInput!) { createBillingRun(input: $input) { billingRun {"
    + RUN_FIELDS
    + "} errors { field code message } } }"
)
PREVIEW = (
    "mutation($input: PreviewBillingRunInput!) { previewBillingRun(input: $input) { billingRun {"
    + RUN_FIELDS
    + "} errors { field code message } } }"
)
CONFIRM = (
    "mutation($input: ConfirmBillingRunInput!) { confirmBillingRun(input: $input) { billingRun {"
    + RUN_FIELDS
    + "} errors { field code message } } }"
)


def gid(kind: str, pk: int) -> str:
    return encode_id(kind, pk)


async def _school(factory: Factory):
    account = await factory.account()
    s = await factory.school(account)
    await populate(factory, s, 2)
    admin = await factory.actor(account)
    return account, s, admin


def create_input(s: Any, **over: Any) -> dict[str, Any]:
    """Grade 1 of the school, due in 5 days (the preview warns about it)."""
    scope = {"kind": "GRADE", "gradeId": gid("Grade", s.grades[0].id)}
    return run_input(s, **{"scope": scope, "dueDate": "2026-01-10", **over})


async def test_create_preview_confirm_through_graphql(gql: GraphQLClient, factory: Factory) -> None:
    # given
    _, s, admin = await _school(factory)
    # when created
    body = await gql(CREATE, {"input": create_input(s)}, token=admin.token)
    run = body["data"]["createBillingRun"]["billingRun"]
    assert body["data"]["createBillingRun"]["errors"] == []
    assert run["name"] == "Term 1 2026 · Term Tuition Fee · Grade 1"
    assert run["status"] == "DRAFT"
    assert run["preview"] is None
    # when previewed
    body = await gql(PREVIEW, {"input": {"billingRunId": run["id"]}}, token=admin.token)
    previewed = body["data"]["previewBillingRun"]["billingRun"]
    assert previewed["preview"]["invoiceCount"] == 4
    assert previewed["preview"]["totalAmount"] == {"amount": "66002.00", "currency": "KES"}
    assert previewed["preview"]["warnings"] == [{"code": "DUE_DATE_TOO_SOON"}]
    assert previewed["preview"]["lines"]["totalCount"] == 4
    assert len(previewed["preview"]["lines"]["edges"]) == 2
    assert previewed["preview"]["lines"]["edges"][0]["node"]["amount"] == {"amount": "16500.50"}
    # when confirmed with a stale expectation
    body = await gql(
        CONFIRM,
        {"input": {"billingRunId": run["id"], "expectedInvoiceCount": 3}},
        token=admin.token,
    )
    assert body["data"]["confirmBillingRun"]["billingRun"] is None
    assert [e["code"] for e in body["data"]["confirmBillingRun"]["errors"]] == ["PREVIEW_STALE"]
    # when confirmed with the right one
    body = await gql(
        CONFIRM,
        {
            "input": {
                "billingRunId": run["id"],
                "expectedInvoiceCount": 4,
                "expectedTotalAmount": "66002.00",
            }
        },
        token=admin.token,
    )
    confirmed = body["data"]["confirmBillingRun"]
    assert confirmed["errors"] == []
    assert confirmed["billingRun"]["status"] == "PROCESSING"
    assert confirmed["billingRun"]["progress"] == {
        "total": 4,
        "processed": 0,
        "invoiced": 0,
        "skipped": 0,
        "failed": 0,
        "percent": 0.0,
    }


async def test_bad_input_is_a_user_error_and_writes_nothing(
    gql: GraphQLClient, factory: Factory
) -> None:
    _, s, admin = await _school(factory)
    cases = [
        (create_input(s, dueDate="2026-01-01"), ["input", "dueDate"], "INVALID_DATE_RANGE"),
        (
            create_input(s, scope={"kind": "MANUAL", "studentIds": []}),
            ["input", "scope", "studentIds"],
            "INVALID_INPUT",
        ),
        (create_input(s, scope={"kind": "GRADE"}), ["input", "scope", "gradeId"], "INVALID_INPUT"),
        (create_input(s, termId=gid("Term", 999999)), ["input", "termId"], "NOT_FOUND"),
        (create_input(s, termId="garbage"), ["input", "termId"], "NOT_FOUND"),
        (create_input(s, name="   "), ["input", "name"], "INVALID_INPUT"),
    ]
    for value, field, code in cases:
        body = await gql(CREATE, {"input": value}, token=admin.token)
        payload = body["data"]["createBillingRun"]
        assert payload["billingRun"] is None, value
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], value
    assert await BillingRun.all().count() == 0


async def test_ids_of_another_school_are_mismatched_and_of_another_account_not_found(
    gql: GraphQLClient, factory: Factory
) -> None:
    account, s, admin = await _school(factory)
    sibling = await factory.school(account, name="Sibling")
    foreign = await factory.school(await factory.account(), name="Foreign")
    body = await gql(
        CREATE, {"input": create_input(s, termId=gid("Term", sibling.term.id))}, token=admin.token
    )
    assert [e["code"] for e in body["data"]["createBillingRun"]["errors"]] == ["MISMATCHED_SCHOOL"]
    body = await gql(
        CREATE, {"input": create_input(s, termId=gid("Term", foreign.term.id))}, token=admin.token
    )
    assert [e["code"] for e in body["data"]["createBillingRun"]["errors"]] == ["NOT_FOUND"]
    assert await BillingRun.all().count() == 0


async def test_every_run_mutation_as_a_stranger_or_viewer_changes_nothing(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a previewed draft and a completed run
    account, s, admin = await _school(factory)
    stranger = await factory.actor(await factory.account())
    ungranted = await factory.actor(account, Role.FINANCE)
    viewer = await factory.actor(account, Role.VIEWER, schools=[s.school])
    body = await gql(CREATE, {"input": create_input(s)}, token=admin.token)
    run_id = body["data"]["createBillingRun"]["billingRun"]["id"]
    await gql(PREVIEW, {"input": {"billingRunId": run_id}}, token=admin.token)
    run_pk = decode_id(run_id, "BillingRun")
    before = await BillingRun.get(pk=run_pk)
    operations = [
        (CREATE, {"input": create_input(s)}, "createBillingRun"),
        (PREVIEW, {"input": {"billingRunId": run_id}}, "previewBillingRun"),
        (CONFIRM, {"input": {"billingRunId": run_id}}, "confirmBillingRun"),
        (
            "mutation($input: UpdateBillingRunInput!) { updateBillingRun(input: $input) { errors { code } } }",
            {"input": {"billingRunId": run_id, "name": "Hijacked"}},
            "updateBillingRun",
        ),
        (
            "mutation($input: BillingRunIdInput!) { deleteBillingRun(input: $input) { errors { code } } }",
            {"input": {"billingRunId": run_id}},
            "deleteBillingRun",
        ),
        (
            "mutation($input: BillingRunIdInput!) { retryBillingRun(input: $input) { errors { code } } }",
            {"input": {"billingRunId": run_id}},
            "retryBillingRun",
        ),
    ]
    for actor, code in (
        (stranger, "NOT_FOUND"),
        (ungranted, "NOT_FOUND"),
        (viewer, "PERMISSION_DENIED"),
    ):
        for query, variables, name in operations:
            body = await gql(query, variables, token=actor.token)
            assert [e["code"] for e in body["data"][name]["errors"]] == [code], (
                actor.user.role,
                name,
            )
        # reads: invisible or visible, never foreign
        body = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": run_id}, token=actor.token
        )
        assert body["data"]["node"] == (None if code == "NOT_FOUND" else {"id": run_id})
    after = await BillingRun.get(pk=run_pk)
    assert (after.name, after.status, after.preview_generated_at) == (
        before.name,
        before.status,
        before.preview_generated_at,
    )
    assert await BillingRun.all().count() == 1
    assert await Invoice.all().count() == 0


async def test_billing_runs_lists_newest_first_with_filters(
    gql: GraphQLClient, factory: Factory
) -> None:
    _, s, admin = await _school(factory)
    for grade in s.grades:
        await gql(
            CREATE,
            {"input": create_input(s, scope={"kind": "GRADE", "gradeId": gid("Grade", grade.id)})},
            token=admin.token,
        )
    query = """query($school: ID!, $filter: BillingRunFilter) {
      billingRuns(schoolId: $school, filter: $filter, first: 1) {
        totalCount pageInfo { hasNextPage } edges { node { name status } } } }"""
    body = await gql(query, {"school": gid("School", s.school.id)}, token=admin.token)
    assert body["data"]["billingRuns"] == {
        "totalCount": 2,
        "pageInfo": {"hasNextPage": True},
        "edges": [
            {"node": {"name": "Term 1 2026 · Term Tuition Fee · Grade 2", "status": "DRAFT"}}
        ],
    }
    body = await gql(
        query,
        {"school": gid("School", s.school.id), "filter": {"statuses": ["COMPLETED"]}},
        token=admin.token,
    )
    assert body["data"]["billingRuns"]["totalCount"] == 0
    stranger = await factory.actor(await factory.account())
    body = await gql(query, {"school": gid("School", s.school.id)}, token=stranger.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_first_over_100_is_a_client_error(gql: GraphQLClient, factory: Factory) -> None:
    _, s, admin = await _school(factory)
    body = await gql(
        "query($s: ID!) { billingRuns(schoolId: $s, first: 101) { totalCount } }",
        {"s": gid("School", s.school.id)},
        token=admin.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


UPDATE = (
    "mutation($input: UpdateBillingRunInput!) { updateBillingRun(input: $input) {"
    " billingRun { term { id } feeStructure { id } } errors { field code } } }"
)


async def test_a_malformed_or_foreign_reference_is_not_found_never_ignored(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a DRAFT run, and another account's grade
    _, s, admin = await _school(factory)
    foreign = await factory.school(await factory.account(), name="Foreign")
    await populate(factory, foreign, 1)
    created = await gql(CREATE, {"input": create_input(s)}, token=admin.token)
    run_id = created["data"]["createBillingRun"]["billingRun"]["id"]
    # when a scope names a grade that is garbage or not ours
    for grade_id in ("garbage", gid("Grade", foreign.grades[0].id), gid("Stream", 1)):
        scope = {"kind": "GRADE", "gradeId": grade_id}
        body = await gql(CREATE, {"input": create_input(s, scope=scope)}, token=admin.token)
        # then it is NOT_FOUND at the field, not "a GRADE scope needs a grade"
        errors = body["data"]["createBillingRun"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [
            (["input", "scope", "gradeId"], "NOT_FOUND")
        ], grade_id
    # when an update names a term or fee structure that is garbage
    for field in ("termId", "feeStructureId"):
        body = await gql(
            UPDATE, {"input": {"billingRunId": run_id, field: "garbage"}}, token=admin.token
        )
        # then it is NOT_FOUND, and the run keeps what it had
        payload = body["data"]["updateBillingRun"]
        assert payload["billingRun"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [
            (["input", field], "NOT_FOUND")
        ]
    run = await BillingRun.get(id=decode_id(run_id, "BillingRun"))
    assert (run.term_id, run.fee_structure_id) == (s.term.id, s.fee.id)
    assert await BillingRun.all().count() == 1
