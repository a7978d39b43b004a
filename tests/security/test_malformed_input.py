"""Malformed input at the transport: every refusal is a 4xx with a JSON body over HTTP, and a
4400 close or an `error` message over WebSocket; never a 500 nor a dropped socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from api.app import create_app
from api.schema import MAX_TOKENS
from tests.client import GraphQLClient
from tests.servers import serve_app, ws_url
from tests.world import World
from tests.ws_client import PROTOCOL

#: Seconds to wait for one answer of the server.
ANSWER_LIMIT = 10.0


@pytest.mark.parametrize(
    "body",
    [b'"hello"', b"42", b"null", b"true", b'{"query": "{ viewer { id } }", "x": "\xff\xfe"}'],
    ids=["string", "number", "null", "boolean", "invalid-utf8"],
)
async def test_a_body_that_is_not_a_json_object_answers_400_in_json(
    world: World, gql: GraphQLClient, body: bytes
) -> None:
    response = await gql.client.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {world.owner.token}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ viewer { id } }", "operationName": 42},
        {"query": 42},
        {"query": "{ viewer { id } }", "variables": [1]},
    ],
    ids=["operation-name", "query", "variables"],
)
async def test_fields_of_the_wrong_type_answer_400_in_json(
    world: World, gql: GraphQLClient, body: dict[str, Any]
) -> None:
    response = await gql.client.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {world.owner.token}"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["message"]


@pytest.fixture
async def base(db: str) -> AsyncIterator[str]:
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def _acknowledged(base: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(
        ws_url(base), subprotocols=[websockets.Subprotocol(PROTOCOL)], open_timeout=ANSWER_LIMIT
    )
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
    await ws.send(json.dumps(init))
    assert json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT))["type"] == "connection_ack"
    return ws


async def _close_code(ws: websockets.ClientConnection) -> int | None:
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), ANSWER_LIMIT)
    return ws.close_code


@pytest.mark.parametrize(
    "message",
    [
        "null",
        "[1, 2]",
        '"x"',
        "42",
        '{"type": 7}',
        '{"id": "1", "type": "subscribe", "payload": null}',
        '{"id": "1", "type": "subscribe", "payload": {"query": 42}}',
        '{"id": ["1"], "type": "subscribe", "payload": {"query": "{ viewer { id } }"}}',
        '{"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { id } }", '
        '"variables": [1]}}',
        '{"id": {"a": 1}, "type": "complete"}',
        '{"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { id } }", '
        '"variables": {"x": "\\ud800"}}}',
    ],
)
async def test_a_malformed_websocket_message_closes_4400(
    base: str, world: World, message: str
) -> None:
    ws = await _acknowledged(base, world.owner.token)
    await ws.send(message)
    assert await _close_code(ws) == 4400


@pytest.mark.parametrize(
    "query",
    ["{ viewer { id }", "{ viewer { " + " ".join(["id"] * MAX_TOKENS) + " } }"],
    ids=["syntax", "tokens"],
)
async def test_a_subscribe_that_cannot_be_parsed_answers_an_error_message(
    base: str, world: World, query: str
) -> None:
    ws = await _acknowledged(base, world.owner.token)
    await ws.send(json.dumps({"id": "7", "type": "subscribe", "payload": {"query": query}}))
    answer = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT))
    assert answer["type"] == "error" and answer["id"] == "7", answer
    assert answer["payload"][0]["message"]
    # and the socket stays usable
    await ws.send(
        json.dumps({"id": "8", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
    )
    answer = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT))
    assert answer["type"] == "next" and answer["payload"]["data"]["viewer"]["id"], answer
    await ws.close()
