"""Input the user can correct is answered with what is wrong, never the masked "Unexpected
error.": huge or exponent amounts, lone surrogates, out-of-range cursors, a confirm that
races a delete. Nothing is written in any of these cases."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from domain.access import Caller
from domain.billing import confirm as confirm_module
from domain.billing.runs import delete_billing_run
from domain.billing.runs import get_run as real_get_run
from domain.models import BillingRun
from tests.client import GraphQLClient
from tests.tables import changed, snapshot
from tests.world import World

MASKED = "Unexpected error."

RECORD_PAYMENT = """mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { invoice { id } errors { code field message } } }"""
CREATE_FEE = """mutation($input: CreateFeeStructureInput!) {
  createFeeStructure(input: $input) { feeStructure { id } errors { code field message } } }"""
CONFIRM = """mutation($input: ConfirmBillingRunInput!) {
  confirmBillingRun(input: $input) { billingRun { id status } errors { code field message } } }"""
CREATE_SCHOOL = """mutation($input: CreateSchoolInput!) {
  createSchool(input: $input) { school { id } errors { code field message } } }"""


def _messages(body: dict[str, Any]) -> list[str]:
    top = [e["message"] for e in body.get("errors") or []]
    payloads = [p for p in (body.get("data") or {}).values() if isinstance(p, dict)]
    return top + [e["message"] for p in payloads for e in p.get("errors") or []]


def _operations(world: World, amount: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            RECORD_PAYMENT,
            {
                "invoiceId": world.gid("Invoice"),
                "amount": amount,
                "paidOn": "2026-01-20",
                "method": "Cash",
            },
        ),
        (
            CREATE_FEE,
            {
                "schoolId": world.gid("School"),
                "name": "Huge",
                "items": [{"name": "Tuition", "amount": amount}],
            },
        ),
        (
            CONFIRM,
            {"billingRunId": world.gid("BillingRun"), "expectedTotalAmount": amount},
        ),
    ]


@pytest.mark.parametrize("amount", ["1e26", "1e400", "1E+3", "1_000", "١٠", "12345678901.00"])
async def test_an_amount_out_of_range_or_not_canonical_is_answered_not_masked(
    world: World, gql: GraphQLClient, amount: str
) -> None:
    for query, variables in _operations(world, amount):
        before = await snapshot()
        response = await gql.post(query, {"input": variables}, token=world.owner.token)
        assert response.status_code == 200, response.text
        messages = _messages(response.json())
        # then the answer says what is wrong with the amount, and nothing was written
        assert messages and MASKED not in messages, (query, response.json())
        assert not changed(before, await snapshot())


@pytest.mark.parametrize(
    "raw",
    [
        '{"query": "%s", "variables": {"input": {"name": "A\\ud800", "currency": "KES"}}}',
        '{"query": "%s", "variables": {"input": {"name": "ok", "currency": "KES"}}, '
        '"operationName": "\\udfff"}',
    ],
    ids=["variable", "operation-name"],
)
async def test_a_lone_surrogate_in_a_json_string_is_a_400(
    world: World, gql: GraphQLClient, raw: str
) -> None:
    before = await snapshot()
    body = raw % CREATE_SCHOOL.replace("\n", " ").replace('"', '\\"')
    response = await gql.client.post(
        "/graphql",
        content=body.encode(),
        headers={
            "Authorization": f"Bearer {world.owner.token}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400, response.text
    assert "surrogate" in response.json()["errors"][0]["message"]
    assert not changed(before, await snapshot())


async def test_a_lone_surrogate_in_a_query_literal_is_refused_not_masked(
    world: World, gql: GraphQLClient
) -> None:
    before = await snapshot()
    query = (
        'mutation { createSchool(input: {name: "A\\ud800", currency: "KES"}) { school { id } } }'
    )
    response = await gql.post(query, token=world.owner.token)
    messages = _messages(response.json())
    assert messages and MASKED not in messages, response.json()
    assert not changed(before, await snapshot())


@pytest.mark.parametrize("offset", [2**63 - 1, 2**31 - 1, 10**30])
async def test_a_cursor_beyond_any_list_is_invalid_input(
    world: World, gql: GraphQLClient, offset: int
) -> None:
    after = base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
    query = """query($school: ID!, $after: String) {
      students(schoolId: $school, after: $after) { totalCount } }"""
    body = await gql(
        query, {"school": world.gid("School"), "after": after}, token=world.owner.token
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT", body
    assert "cursor" in error["message"]


async def test_a_confirm_that_races_a_delete_is_not_found(
    world: World, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a DRAFT run that is deleted (and committed) right after confirm has read it
    run_id = world.ids["BillingRun"]

    async def read_then_deleted(caller: Caller, pk: int | None) -> BillingRun:
        run = await real_get_run(caller, pk)
        await delete_billing_run(world.owner.caller, run.id)
        return run

    monkeypatch.setattr(confirm_module, "get_run", read_then_deleted)
    # when the confirm goes on
    body = await gql(
        CONFIRM, {"input": {"billingRunId": world.gid("BillingRun")}}, token=world.owner.token
    )
    # then it answers NOT_FOUND in the payload, as for a run that never existed
    assert "errors" not in body, body
    payload = body["data"]["confirmBillingRun"]
    assert payload["billingRun"] is None
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], json.dumps(payload)
    assert not await BillingRun.exists(id=run_id)
