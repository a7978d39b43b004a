"""A graphql-transport-ws subscriber that survives its server: reconnect, resubscribe, go on.

What a well-behaved client does when the server restarts: on a closed or refused
connection it waits (exponential backoff, bounded), connects again, sends
`connection_init` and the same `subscribe`, and keeps every payload in order, marked
with the connection it came on. Bounded in connections and in time.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import websockets

PROTOCOL = "graphql-transport-ws"


@dataclass
class Followed:
    """Everything one subscriber received, across its connections."""

    connections: int = 0
    #: (connection number from 1, `next` payload), in the order received.
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    completed: bool = False
    #: Why each earlier connection ended.
    drops: list[str] = field(default_factory=list)


async def follow(
    url: str,
    token: str,
    query: str,
    variables: dict[str, Any],
    *,
    limit_seconds: float = 90.0,
    max_connections: int = 30,
    first_backoff: float = 0.1,
    max_backoff: float = 2.0,
    into: Followed | None = None,
) -> Followed:
    """Follow one subscription until `complete`, reconnecting whenever the connection drops."""
    seen = into or Followed()
    backoff = first_backoff
    async with asyncio.timeout(limit_seconds):
        while seen.connections < max_connections:
            try:
                async with websockets.connect(
                    url, subprotocols=[websockets.Subprotocol(PROTOCOL)], open_timeout=5
                ) as ws:
                    seen.connections += 1
                    number = seen.connections
                    backoff = first_backoff
                    init = {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {token}"},
                    }
                    await ws.send(json.dumps(init))
                    ack = json.loads(await ws.recv())
                    assert ack["type"] == "connection_ack", ack
                    subscribe = {
                        "id": str(number),
                        "type": "subscribe",
                        "payload": {"query": query, "variables": variables},
                    }
                    await ws.send(json.dumps(subscribe))
                    while True:
                        message = json.loads(await ws.recv())
                        if message["type"] == "next":
                            seen.updates.append((number, message["payload"]))
                        elif message["type"] == "complete":
                            seen.completed = True
                            return seen
                        elif message["type"] == "error":
                            raise AssertionError(f"subscription error: {message['payload']}")
                        elif message["type"] == "ping":
                            await ws.send(json.dumps({"type": "pong"}))
            except (
                OSError,
                TimeoutError,
                websockets.ConnectionClosed,
                websockets.InvalidHandshake,
            ) as e:
                seen.drops.append(f"{type(e).__name__}: {e}")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
    raise AssertionError(f"gave up after {max_connections} connections: {seen.drops[-3:]}")
