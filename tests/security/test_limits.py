"""The walls around the GraphQL endpoint, each tried over HTTP or a real WebSocket: sizes,
batching, masking, methods and content types, and WebSocket authentication."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
import websockets

from api.app import MAX_BODY_BYTES, create_app
from api.ids import encode_id
from api.mutations import runs as run_mutations
from api.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from domain import students as student_service
from domain.billing.scope import MAX_MANUAL_STUDENTS
from domain.notifications import MAX_SEND
from domain.students import MAX_BATCH
from tests.client import GraphQLClient
from tests.servers import serve_app, ws_url
from tests.tables import changed, snapshot
from tests.world import World
from tests.ws_client import PROTOCOL

STUDENTS = """query($school: ID!, $first: Int) {
  students(schoolId: $school, first: $first) { totalCount } }"""


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_a_query_deeper_than_the_limit_is_refused(world: World, gql: GraphQLClient) -> None:
    # given a selection nested one level deeper than MAX_DEPTH (school -> terms -> school ...)
    levels = MAX_DEPTH // 2 + 1
    query = "{ schools " + "{ terms { school " * levels + "{ id }" + " } }" * levels + " }"
    # when it is sent
    response = await gql.post(query, token=world.owner.token)
    # then it is refused before execution, as a client error
    assert response.status_code == 200
    assert "exceeds maximum operation depth" in only_error(response.json())["message"]


async def test_too_many_aliases_are_refused(world: World, gql: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(MAX_ALIASES + 1)) + " }"
    response = await gql.post(query, token=world.owner.token)
    assert response.status_code == 200
    assert "aliases" in only_error(response.json())["message"].lower()


async def test_too_many_tokens_are_refused(world: World, gql: GraphQLClient) -> None:
    query = "{ viewer { " + " ".join(["id"] * MAX_TOKENS) + " } }"
    response = await gql.post(query, token=world.owner.token)
    assert response.status_code == 200
    assert "token" in only_error(response.json())["message"].lower()


async def test_first_over_100_is_a_top_level_invalid_input(
    world: World, gql: GraphQLClient
) -> None:
    # given the owner's own school, so that nothing but the page size is wrong
    variables = {"school": world.gid("School"), "first": 101}
    body = await gql(STUDENTS, variables, token=world.owner.token)
    assert only_error(body)["extensions"]["code"] == "INVALID_INPUT"
    # and a nested connection is capped the same way
    nested = """query($id: ID!) { node(id: $id) { ... on Student { invoices(first: 101) {
      totalCount } } } }"""
    body = await gql(nested, {"id": world.gid("Student")}, token=world.owner.token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body
    body = await gql(STUDENTS, {**variables, "first": 100}, token=world.owner.token)
    assert "errors" not in body


CREATE_STUDENTS = """mutation($input: CreateStudentsInput!) {
  createStudents(input: $input) { students { id } errors { code field } } }"""
SEND = """mutation($input: SendInvoicesInput!) {
  sendInvoices(input: $input) { invoices { id } errors { code field } } }"""
CREATE_RUN = """mutation($input: CreateBillingRunInput!) {
  createBillingRun(input: $input) { billingRun { id } errors { code field } } }"""
PREVIEW = """mutation($input: PreviewBillingRunInput!) {
  previewBillingRun(input: $input) { billingRun { id } errors { code field } } }"""


def _student(i: int) -> dict[str, str]:
    return {"admissionNumber": f"CAP{i:05d}", "firstName": "Amina", "lastName": "Otieno"}


@pytest.mark.parametrize("what", ["createStudents", "sendInvoices", "manualScope", "exclusions"])
async def test_input_lists_are_capped(world: World, gql: GraphQLClient, what: str) -> None:
    # given a list one longer than its cap, of the owner's own ids
    student = world.gid("Student")
    operations = {
        "createStudents": (
            CREATE_STUDENTS,
            {
                "schoolId": world.gid("School"),
                "students": [_student(i) for i in range(MAX_BATCH + 1)],
            },
        ),
        "sendInvoices": (SEND, {"invoiceIds": [world.gid("Invoice")] * (MAX_SEND + 1)}),
        "manualScope": (
            CREATE_RUN,
            {
                "schoolId": world.gid("School"),
                "termId": world.gid("Term"),
                "feeStructureId": world.gid("FeeStructure"),
                "scope": {"kind": "MANUAL", "studentIds": [student] * (MAX_MANUAL_STUDENTS + 1)},
                "invoiceDate": "2026-05-04",
                "dueDate": "2026-06-04",
            },
        ),
        "exclusions": (
            PREVIEW,
            {
                "billingRunId": world.gid("BillingRun"),
                "excludeStudentIds": [student] * (MAX_MANUAL_STUDENTS + 1),
            },
        ),
    }
    query, variables = operations[what]
    before = await snapshot()
    # when it is sent
    body = await gql(query, {"input": variables}, token=world.owner.token)
    # then the payload says INVALID_INPUT and nothing was written
    payload = next(iter(body["data"].values()))
    assert [e["code"] for e in payload["errors"]] == ["INVALID_INPUT"], payload
    assert not changed(before, await snapshot())


async def test_a_body_over_the_size_limit_is_refused(world: World, gql: GraphQLClient) -> None:
    padding = "x" * (MAX_BODY_BYTES + 1)
    response = await gql.client.post(
        "/graphql",
        content=json.dumps({"query": "{ viewer { id } }", "variables": {"pad": padding}}),
        headers={
            "Authorization": f"Bearer {world.owner.token}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 413


async def test_batched_operations_are_refused(world: World, gql: GraphQLClient) -> None:
    # given two operations in one JSON array
    response = await gql.client.post(
        "/graphql",
        json=[{"query": "{ viewer { id } }"}, {"query": "{ schools { id } }"}],
        headers={"Authorization": f"Bearer {world.owner.token}"},
    )
    # then the request is refused as a whole
    assert response.status_code == 400
    assert "batching" in response.text.lower()


async def test_a_bug_answers_a_masked_error_and_logs_the_trace(
    world: World,
    gql: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a domain function that fails with a secret in its message
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(run_mutations.runs, "create_billing_run", broken)
    monkeypatch.setattr(student_service, "find_students", broken)
    run_input = {
        "schoolId": world.gid("School"),
        "termId": world.gid("Term"),
        "feeStructureId": world.gid("FeeStructure"),
        "scope": {"kind": "ALL_STUDENTS"},
        "invoiceDate": "2026-05-04",
        "dueDate": "2026-06-04",
    }
    caplog.set_level(logging.ERROR, logger="billing.api")
    for query, variables in [
        (CREATE_RUN, {"input": run_input}),
        (STUDENTS, {"school": world.gid("School")}),
    ]:
        # when a mutation and a query hit it
        response = await gql.post(query, variables, token=world.owner.token)
        # then the client sees only "Unexpected error." and the log has the trace
        assert response.status_code == 200
        assert "secret" not in response.text
        assert [e["message"] for e in response.json()["errors"]] == ["Unexpected error."]
    traces = [
        r
        for r in caplog.records
        if r.name == "billing.api" and r.exc_info and "secret" in str(r.exc_info[1])
    ]
    assert len(traces) == 2


async def test_a_malformed_variable_is_a_client_error_not_a_masked_one(
    world: World, gql: GraphQLClient
) -> None:
    body = await gql(
        STUDENTS, {"school": world.gid("School"), "first": "many"}, token=world.owner.token
    )
    message = only_error(body)["message"]
    assert message != "Unexpected error." and "$first" in message


CREATE_SCHOOL = (
    'mutation { createSchool(input: {name: "Sneaky", currency: "KES"}) { school { id } } }'
)


async def test_mutations_are_refused_over_get(world: World, gql: GraphQLClient) -> None:
    before = await snapshot()
    response = await gql.client.get(
        "/graphql",
        params={"query": CREATE_SCHOOL},
        headers={"Authorization": f"Bearer {world.owner.token}"},
    )
    assert response.status_code in (400, 405), response.text
    assert not changed(before, await snapshot())
    # while a query over GET works (GraphiQL links, curl)
    response = await gql.client.get(
        "/graphql",
        params={"query": "{ viewer { email } }"},
        headers={"Authorization": f"Bearer {world.owner.token}"},
    )
    assert response.json() == {"data": {"viewer": {"email": world.owner.user.email}}}


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/x-www-form-urlencoded", "query=" + CREATE_SCHOOL),
        ("text/plain", json.dumps({"query": CREATE_SCHOOL})),
        ("text/plain; charset=application/json", json.dumps({"query": CREATE_SCHOOL})),
        (
            "multipart/form-data; boundary=x",
            f'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{json.dumps({"query": CREATE_SCHOOL})}\r\n--x--\r\n',
        ),
    ],
)
async def test_a_post_that_is_not_json_is_refused(
    world: World, gql: GraphQLClient, content_type: str, content: str
) -> None:
    # given what a cross-site form could send (no preflight), with a valid token
    before = await snapshot()
    response = await gql.client.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {world.owner.token}", "Content-Type": content_type},
    )
    # then nothing runs
    assert response.status_code in (400, 415), response.text
    assert not changed(before, await snapshot())


@pytest.fixture
async def base(db: str) -> Any:
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def _connect(base: str) -> websockets.ClientConnection:
    return await websockets.connect(
        ws_url(base), subprotocols=[websockets.Subprotocol(PROTOCOL)], open_timeout=10
    )


async def _closed_with(ws: websockets.ClientConnection) -> int | None:
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return ws.close_code


async def test_a_subscribe_before_connection_init_closes_4401(base: str, world: World) -> None:
    ws = await _connect(base)
    await ws.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
    )
    assert await _closed_with(ws) == 4401


async def test_a_bad_token_in_connection_init_closes_4403(base: str, world: World) -> None:
    ws = await _connect(base)
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
    )
    assert await _closed_with(ws) == 4403


WATCH = "subscription($id: ID!) { billingRunUpdated(billingRunId: $id) { id status } }"


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
async def test_a_run_of_a_school_the_user_cannot_see_is_not_followed(
    base: str, world: World, who: str
) -> None:
    # given an acknowledged connection of someone who may not see Alpha
    ws = await _connect(base)
    token = getattr(world, who).token
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    # when they subscribe to Alpha's completed run
    variables = {"id": encode_id("BillingRun", world.history.completed.id)}
    await ws.send(
        json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": variables}}
        )
    )
    # then the only answer is NOT_FOUND, with no data
    answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert refusal_codes(answer) == ["NOT_FOUND"], answer
    await ws.close()


def refusal_codes(answer: dict[str, Any]) -> list[str]:
    """The codes of a subscription's refusal: an `error` message, or a `next` without data."""
    if answer["type"] == "error":
        return [e["extensions"]["code"] for e in answer["payload"]]
    assert answer["type"] == "next" and answer["payload"]["data"] is None, answer
    return [e["extensions"]["code"] for e in answer["payload"]["errors"]]


async def test_the_owner_follows_the_same_run(base: str, world: World) -> None:
    # the refusal above is about who asks: the owner gets the run once and completion
    ws = await _connect(base)
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {world.owner.token}"}}
    await ws.send(json.dumps(init))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    run_id = encode_id("BillingRun", world.history.completed.id)
    payload = {"query": WATCH, "variables": {"id": run_id}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert answer["payload"] == {
        "data": {"billingRunUpdated": {"id": run_id, "status": "COMPLETED"}}
    }
    await ws.close()
