"""WebSocket clients authenticate in `connection_init`: a bad or missing token closes with 4403."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import websockets

from api.app import create_app
from domain.models import ApiToken, Role
from tests.factories import Factory
from tests.servers import serve_app, ws_url

PROTOCOL = websockets.Subprotocol("graphql-transport-ws")

#: Seconds to wait for the server's answer to one message.
ANSWER_LIMIT = 10.0


@pytest.fixture
async def base(db: str) -> AsyncIterator[str]:
    """The app on a real loopback socket; the `db` fixture owns the connections."""
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def _init(base: str, payload: dict[str, Any] | None) -> websockets.ClientConnection:
    ws = await websockets.connect(ws_url(base), subprotocols=[PROTOCOL], open_timeout=ANSWER_LIMIT)
    message: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await ws.send(json.dumps(message))
    return ws


async def _answer(ws: websockets.ClientConnection) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT))
    return answer


async def _close_code(ws: websockets.ClientConnection) -> int | None:
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), ANSWER_LIMIT)
    assert ws.close_code is not None
    return ws.close_code


async def test_valid_token_is_acknowledged(base: str, factory: Factory) -> None:
    # given an ADMIN with a token
    admin = await factory.actor(await factory.account())
    # when the token travels in connection_init
    ws = await _init(base, {"Authorization": f"Bearer {admin.token}"})
    try:
        # then the server acknowledges and the subprotocol is the one asked for
        assert (await _answer(ws))["type"] == "connection_ack"
        assert ws.subprotocol == PROTOCOL
    finally:
        await ws.close()


async def test_operations_on_the_socket_act_as_the_token_owner(base: str, factory: Factory) -> None:
    # given an acknowledged connection of a FINANCE user
    account = await factory.account()
    finance = await factory.actor(account, role=Role.FINANCE)
    ws = await _init(base, {"Authorization": f"Bearer {finance.token}"})
    try:
        assert (await _answer(ws))["type"] == "connection_ack"
        # when a query is sent over the socket
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { email role } }"}}
            )
        )
        # then it answers as that user, then completes
        assert await _answer(ws) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"viewer": {"email": finance.user.email, "role": "FINANCE"}}},
        }
        assert await _answer(ws) == {"id": "1", "type": "complete"}
    finally:
        await ws.close()


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer bill_unknown"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": 42},
    ],
    ids=["no-payload", "empty-payload", "blank", "unknown-token", "not-bearer", "not-a-string"],
)
async def test_missing_or_bad_token_closes_with_4403(
    base: str, payload: dict[str, Any] | None
) -> None:
    # when connection_init carries no usable token
    ws = await _init(base, payload)
    # then the socket closes with 4403 and no ack
    assert await _close_code(ws) == 4403


async def test_revoked_token_closes_with_4403(base: str, factory: Factory) -> None:
    # given a token that was revoked
    admin = await factory.actor(await factory.account())
    await ApiToken.filter(user_id=admin.user.id).update(revoked_at=datetime.now(UTC))
    # when it is used on the socket
    ws = await _init(base, {"Authorization": f"Bearer {admin.token}"})
    # then the socket closes with 4403
    assert await _close_code(ws) == 4403
