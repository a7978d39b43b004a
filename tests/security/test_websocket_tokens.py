"""A token revoked or expired while its WebSocket is open stops working at the next
operation: the socket closes with 4403 and nothing runs. Socket operations are logged and
metered like HTTP requests."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets
from prometheus_client import REGISTRY

from api.app import create_app
from api.ids import encode_id
from domain.models import ApiToken, Payment
from tests.servers import serve_app, ws_url
from tests.tables import changed, snapshot
from tests.world import World

PROTOCOL = websockets.Subprotocol("graphql-transport-ws")
#: Seconds to wait for one answer of the server.
ANSWER_LIMIT = 10.0

REVOKE_CURRENT = """mutation RevokeMine { revokeApiToken(input: {}) { errors { code } } }"""
PAY = """mutation Pay($i: RecordPaymentInput!) {
  recordPayment(input: $i) { invoice { amountPaid { amount } } errors { code } } }"""


@pytest.fixture
async def base(db: str) -> AsyncIterator[str]:
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def _open(base: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(ws_url(base), subprotocols=[PROTOCOL], open_timeout=ANSWER_LIMIT)
    auth = {"Authorization": f"Bearer {token}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
    assert json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT))["type"] == "connection_ack"
    return ws


async def _send(ws: websockets.ClientConnection, op_id: str, query: str, **variables: Any) -> None:
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))


async def _answers(ws: websockets.ClientConnection) -> list[dict[str, Any]]:
    """The messages of one operation, up to its `complete`."""
    got: list[dict[str, Any]] = []
    while not got or got[-1]["type"] != "complete":
        got.append(json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT)))
    return got


async def _closed_with(ws: websockets.ClientConnection) -> int | None:
    with pytest.raises(websockets.ConnectionClosed):
        while True:  # nothing but the close may come: a `next` here means the operation ran
            message = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_LIMIT))
            raise AssertionError(f"the operation ran: {message}")
    return ws.close_code


def _payment(world: World) -> dict[str, Any]:
    return {
        "invoiceId": encode_id("Invoice", world.history.unpaid.id),
        "amount": "100.00",
        "paidOn": "2026-01-20",
        "method": "Cash",
    }


async def test_a_token_revoked_over_http_cannot_run_a_mutation_on_its_open_socket(
    base: str, world: World
) -> None:
    # given an ADMIN's socket, acknowledged, on which a payment can be recorded
    ws = await _open(base, world.owner.token)
    try:
        await _send(ws, "1", "{ viewer { email } }")
        assert [a["type"] for a in await _answers(ws)] == ["next", "complete"]
        # when the token is revoked over HTTP
        headers = {"Authorization": f"Bearer {world.owner.token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers) as http:
            revoked = await http.post("/graphql", json={"query": REVOKE_CURRENT})
        assert revoked.json()["data"]["revokeApiToken"]["errors"] == []
        before = await snapshot()
        # and a mutation is sent on the socket
        await _send(ws, "2", PAY, i=_payment(world))
        # then the socket closes with 4403, and no payment was recorded
        assert await _closed_with(ws) == 4403
    finally:
        await ws.close()
    assert changed(before, await snapshot()) == []
    assert await Payment.filter(invoice_id=world.history.unpaid.id).count() == 0


async def test_a_token_expired_while_the_socket_is_open_closes_it_at_the_next_operation(
    base: str, world: World
) -> None:
    ws = await _open(base, world.owner.token)
    try:
        # when the token expires while the socket stays open
        past = datetime.now(UTC) - timedelta(seconds=1)
        await ApiToken.filter(user_id=world.owner.user.id).update(expires_at=past)
        await _send(ws, "1", "{ viewer { email } }")
        # then the next operation closes the socket with 4403
        assert await _closed_with(ws) == 4403
    finally:
        await ws.close()


async def test_socket_operations_are_logged_and_metered_like_http_requests(
    base: str, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    def count(operation: str, status: str) -> float:
        labels = {"method": "WS", "path": "/graphql", "operation": operation, "status": status}
        return REGISTRY.get_sample_value("billing_http_requests_total", labels) or 0.0

    before = count("WhoAmIOverSocket", "200")
    refused = count("Pay", "4403")
    # when a named query runs on a socket, then a mutation after the token was revoked
    with caplog.at_level(logging.INFO, logger="billing.http"):
        ws = await _open(base, world.owner.token)
        try:
            await _send(ws, "1", "query WhoAmIOverSocket { viewer { email } }")
            await _answers(ws)
            await ApiToken.filter(user_id=world.owner.user.id).update(revoked_at=datetime.now(UTC))
            await _send(ws, "2", PAY, i=_payment(world))
            assert await _closed_with(ws) == 4403
        finally:
            await ws.close()
    # then each is one request line and one count, as over HTTP
    lines = [
        {k: getattr(r, k) for k in ("method", "path", "status", "operation")}
        for r in caplog.records
        if r.name == "billing.http" and getattr(r, "method", None) == "WS"
    ]
    assert lines == [
        {"method": "WS", "path": "/graphql", "status": 200, "operation": "WhoAmIOverSocket"},
        {"method": "WS", "path": "/graphql", "status": 4403, "operation": "Pay"},
    ]
    assert count("WhoAmIOverSocket", "200") == before + 1
    assert count("Pay", "4403") == refused + 1
