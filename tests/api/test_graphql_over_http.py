"""GraphQL over HTTP as its spec says: application/graphql-response+json honoured, 405 for a
mutation over GET, JSON bodies on every refusal, subscriptions over WebSocket only, and errors
shaped the same over WebSocket as over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.ids import encode_id
from tests.factories import Actor, Factory
from tests.servers import serve_app, ws_url
from tests.ws_client import first_answer

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def admin(factory: Factory) -> Actor:
    actor: Actor = await factory.actor(await factory.account())
    return actor


def _auth(actor: Actor, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {actor.token}", **headers}


async def _post(http: httpx.AsyncClient, actor: Actor, query: str, accept: str) -> httpx.Response:
    """POST /graphql of one query by the actor, accepting the `accept` media types."""
    return await http.post("/graphql", json={"query": query}, headers=_auth(actor, Accept=accept))


@pytest.mark.parametrize(
    "query", ["{ viewer { id }", "{ viewer { nope } }"], ids=["parse", "validation"]
)
async def test_a_request_error_answers_400_to_a_graphql_response_client(
    http: httpx.AsyncClient, admin: Actor, query: str
) -> None:
    response = await _post(http, admin, query, GRAPHQL_RESPONSE)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body and body["errors"][0]["message"], body


async def test_a_plain_json_client_keeps_200_for_request_errors(
    http: httpx.AsyncClient, admin: Actor
) -> None:
    response = await _post(http, admin, "{ viewer { nope } }", "application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]


async def test_a_graphql_response_client_gets_200_and_its_media_type_on_success(
    http: httpx.AsyncClient, admin: Actor
) -> None:
    accept = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"
    response = await _post(http, admin, "{ viewer { email } }", accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"viewer": {"email": admin.user.email}}}


async def test_a_mutation_over_get_answers_405_in_json(
    http: httpx.AsyncClient, admin: Actor
) -> None:
    response = await http.get(
        "/graphql",
        params={
            "query": 'mutation { createSchool(input: {name: "X", currency: "KES"}) '
            "{ school { id } } }"
        },
        headers=_auth(admin),
    )
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["message"]


async def test_batching_is_refused_in_json(http: httpx.AsyncClient, admin: Actor) -> None:
    response = await http.post(
        "/graphql", json=[{"query": "{ viewer { id } }"}], headers=_auth(admin)
    )
    assert response.status_code == 400
    assert "batching" in response.json()["errors"][0]["message"].lower()


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_subscription_over_http_is_refused_with_a_clear_error(
    http: httpx.AsyncClient, admin: Actor, method: str
) -> None:
    query = 'subscription { billingRunUpdated(billingRunId: "QmlsbGluZ1J1bjox") { id } }'
    if method == "GET":
        response = await http.get("/graphql", params={"query": query}, headers=_auth(admin))
    else:
        response = await http.post("/graphql", json={"query": query}, headers=_auth(admin))
    assert response.status_code == 400, response.text
    message = response.json()["errors"][0]["message"]
    assert "WebSocket" in message and message != "Unexpected error."


@pytest.fixture
async def base(db: str) -> AsyncIterator[str]:
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def test_errors_over_websocket_carry_path_and_locations_as_over_http(
    base: str, admin: Actor, factory: Factory
) -> None:
    # given a query whose field is refused (a page over 100), sent both ways
    school = await factory.school(await admin.user.account)
    query = f'{{ students(schoolId: "{encode_id("School", school.school.id)}", first: 101) '
    query += "{ totalCount } }"
    async with httpx.AsyncClient(base_url=base) as client:
        over_http = (
            await client.post("/graphql", json={"query": query}, headers=_auth(admin))
        ).json()["errors"]
    answer = await first_answer(ws_url(base), admin.token, query)
    # then the errors are the same, path and locations included
    over_ws = answer["payload"]["errors"] if answer["type"] == "next" else answer["payload"]
    assert over_http[0]["path"] == ["students"] and over_http[0]["locations"]
    assert over_ws == over_http


async def test_a_refused_subscription_carries_path_and_locations(base: str, admin: Actor) -> None:
    # given a run id that is nobody's
    query = 'subscription { billingRunUpdated(billingRunId: "QmlsbGluZ1J1bjo5OTk5") { id } }'
    # when it is followed over WebSocket
    answer = await first_answer(ws_url(base), admin.token, query)
    # then the refusal is located like any field error over HTTP
    errors = answer["payload"]["errors"] if answer["type"] == "next" else answer["payload"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND", answer
    assert errors[0]["path"] == ["billingRunUpdated"], answer
    assert errors[0]["locations"] == [{"line": 1, "column": 16}], answer
