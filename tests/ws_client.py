"""A minimal graphql-transport-ws client over the real `websockets` library."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import websockets

PROTOCOL = "graphql-transport-ws"


async def subscribe(
    url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    limit_seconds: float = 60.0,
    on_message: Callable[[], object] | None = None,
) -> list[dict[str, Any]]:
    """Every `next` payload of one subscription until `complete` (or an error, or the timeout)."""
    received: list[dict[str, Any]] = []
    async with websockets.connect(url, subprotocols=[websockets.Subprotocol(PROTOCOL)]) as ws:
        init: dict[str, Any] = {"type": "connection_init"}
        if token is not None:
            init["payload"] = {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(ws.recv(), limit_seconds))
        assert ack["type"] == "connection_ack", ack
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        async with asyncio.timeout(limit_seconds):
            while True:
                message = json.loads(await ws.recv())
                if on_message is not None:
                    on_message()
                if message["type"] == "next":
                    received.append(message["payload"])
                elif message["type"] == "complete":
                    return received
                elif message["type"] == "error":
                    received.append({"errors": message["payload"]})
                    return received
                elif message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))


async def first_answer(url: str, token: str, query: str) -> dict[str, Any]:
    """The first message answering one operation sent over a WebSocket (`next` or `error`)."""
    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol(PROTOCOL)], open_timeout=10
    ) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return answer
