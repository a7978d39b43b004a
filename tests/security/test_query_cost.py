"""A query's cost is computed before it runs and refused over the limit, over HTTP and
WebSocket; a query that runs too long is stopped with a TIMEOUT error."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api import deadline
from api.app import create_app
from api.cost import MAX_COST, operation_cost
from api.schema import schema
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.servers import serve_app, ws_url
from tests.world import World
from tests.ws_client import first_answer

#: The query of issue 14: lists of classes nested through their school, four times.
NESTED = (
    "{ schools { classes { school { classes { school { classes { school { classes "
    "{ school { id } } } } } } } } } }"
)


def _aliased(query_body: str, count: int) -> str:
    return "{ " + " ".join(f"a{i}: {query_body}" for i in range(count)) + " }"


def _cost(query: str, variables: dict[str, Any] | None = None) -> int:
    from graphql import parse

    return operation_cost(schema._schema, parse(query), None, variables)


@pytest.mark.parametrize("aliases", [1, 30])
async def test_a_nested_list_query_is_refused_before_it_runs_with_its_cost_and_the_limit(
    world: World, gql: GraphQLClient, factory: Factory, aliases: int
) -> None:
    # given a VIEWER, and the nested query of the issue (30 times aliased, too)
    viewer = world.viewer
    body = NESTED[1:-1].strip()
    query = NESTED if aliases == 1 else _aliased(body, aliases)
    # when it is sent
    started = time.monotonic()
    response = await gql.post(query, token=viewer.token)
    elapsed = time.monotonic() - started
    # then it is refused at once, with the cost and the limit
    assert response.status_code == 200
    payload = response.json()
    assert payload.get("data") is None, payload
    [error] = payload["errors"]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["maxCost"] == MAX_COST
    assert error["extensions"]["cost"] == _cost(query) > MAX_COST
    assert f"{MAX_COST:,}" in error["message"] and f"{_cost(query):,}" in error["message"]
    assert elapsed < 2.0


def test_lists_multiply_by_first_or_by_their_declared_bound() -> None:
    # a connection counts `first` edges (default 20), a variable's value when given
    page = 'query($n: Int) { invoices(schoolId: "x", first: $n) { edges { node { id } } } }'
    assert _cost(page, {"n": 10}) == 1 + 10 * (1 + 1)
    assert _cost(page, {}) == 1 + 100 * 2  # an unknown `first` counts as the largest page
    assert _cost('{ invoices(schoolId: "x") { edges { node { id } } } }') == 1 + 20 * 2
    # a plain list counts its declared bound (School.classes: 60, Query.schools: 20)
    assert _cost("{ schools { classes { id } } }") == 20 * (1 + 60)
    # fragments count like the fields they spread; introspection is free
    assert _cost("{ schools { ...S } } fragment S on School { classes { id } }") == 20 * 61
    assert _cost("{ __schema { types { fields { name } } } }") == 0


def test_pricing_fragments_that_spread_fragments_stays_fast() -> None:
    # given 11 levels of fragments, each spreading the next under three fields of School
    levels = 11
    fragments = " ".join(
        f"fragment F{i} on School {{ classes {{ school {{ ...F{i + 1} }} }} "
        f"terms {{ school {{ ...F{i + 1} }} }} grades {{ school {{ ...F{i + 1} }} }} }}"
        for i in range(levels)
    )
    query = f"{{ schools {{ ...F0 }} }} {fragments} fragment F{levels} on School {{ id }}"
    # when it is priced: 3^11 paths, each priced once per fragment
    started = time.monotonic()
    cost = _cost(query)
    # then quickly, and far over the limit
    assert time.monotonic() - started < 0.5
    assert cost > MAX_COST


async def test_a_full_invoice_page_is_within_the_limit(world: World, gql: GraphQLClient) -> None:
    query = """query($school: ID!) { invoices(schoolId: $school, first: 100) { totalCount
      edges { cursor node { id number total { amount currency } balance { amount }
        student { fullName schoolClass { name grade { name } } }
        lines { description amount { amount } }
        payments { amount { amount } } deliveries { channel status } } } } }"""
    assert _cost(query, {"school": "x"}) <= MAX_COST
    body = await gql(query, {"school": world.gid("School")}, token=world.owner.token)
    assert "errors" not in body, body
    assert body["data"]["invoices"]["totalCount"] >= 1


async def test_a_query_over_its_time_limit_is_stopped_with_timeout(
    world: World, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a time limit shorter than any query
    monkeypatch.setattr(deadline, "MAX_QUERY_SECONDS", 0.0)
    # when a query runs
    body = await gql("{ schools { id name } }", token=world.owner.token)
    # then it is stopped and says why
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TIMEOUT"], body
    # while mutations are not cut short
    mutation = (
        'mutation { createSchool(input: {name: "Gamma", currency: "KES"}) { school { id } } }'
    )
    body = await gql(mutation, token=world.owner.token)
    assert body["data"]["createSchool"]["school"]["id"], body


@pytest.fixture
async def base(db: str) -> AsyncIterator[str]:
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def test_the_cost_limit_holds_over_websocket(base: str, world: World) -> None:
    answer = await first_answer(ws_url(base), world.owner.token, NESTED)
    assert answer["type"] == "error", answer
    assert answer["payload"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


async def test_the_time_limit_holds_over_websocket(
    base: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadline, "MAX_QUERY_SECONDS", 0.0)
    answer = await first_answer(ws_url(base), world.owner.token, "{ schools { id } }")
    assert answer["type"] == "error", answer
    assert answer["payload"][0]["extensions"]["code"] == "TIMEOUT"
