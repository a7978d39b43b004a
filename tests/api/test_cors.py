"""Browsers on the origins of BILLING_CORS_ORIGINS may call the API (CORS with preflight over
HTTP, the WebSocket handshake's Origin); other origins may not; unset: same origin only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets

from api.app import create_app
from domain.settings import get_settings
from tests.factories import Actor, Factory
from tests.servers import serve_app, ws_url
from tests.ws_client import PROTOCOL

ALLOWED = "https://app.example.org"
OTHER = "https://evil.example.net"


@pytest.fixture
def cors_origins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BILLING_CORS_ORIGINS", f"{ALLOWED}/, https://admin.example.org")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("BILLING_CORS_ORIGINS")
    get_settings.cache_clear()


@pytest.fixture
async def admin(factory: Factory) -> Actor:
    actor: Actor = await factory.actor(await factory.account())
    return actor


@pytest.fixture
async def client(cors_origins: None, db: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(manage_runtime=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
        yield c


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_a_listed_origin_passes_preflight_and_reads_answers(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # the preflight allows POST with the Authorization header
    response = await client.options("/graphql", headers=_preflight(ALLOWED))
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "POST" in response.headers["access-control-allow-methods"]
    # and the actual request's answer is readable by the page
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { email } }"},
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {admin.token}"},
    )
    assert response.json() == {"data": {"viewer": {"email": admin.user.email}}}
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_an_unlisted_origin_is_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql", headers=_preflight(OTHER))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_unset_means_same_origin_only(db: str) -> None:
    get_settings.cache_clear()
    transport = httpx.ASGITransport(app=create_app(manage_runtime=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
        response = await c.options("/graphql", headers=_preflight(ALLOWED))
    assert "access-control-allow-origin" not in response.headers


@pytest.fixture
async def base(cors_origins: None, db: str) -> AsyncIterator[str]:
    async with serve_app(create_app(manage_runtime=False)) as url:
        yield url


async def _handshake(base: str, origin: str, token: str) -> str:
    async with websockets.connect(
        ws_url(base),
        subprotocols=[websockets.Subprotocol(PROTOCOL)],
        origin=websockets.Origin(origin),
        open_timeout=10,
    ) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        answer: str = json.loads(await asyncio.wait_for(ws.recv(), 10))["type"]
        return answer


async def test_a_listed_origin_opens_a_websocket(base: str, admin: Actor) -> None:
    assert await _handshake(base, ALLOWED, admin.token) == "connection_ack"
    assert await _handshake(base, "https://admin.example.org", admin.token) == "connection_ack"


async def test_an_unlisted_origin_cannot_open_a_websocket(base: str, admin: Actor) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await _handshake(base, OTHER, admin.token)
    assert refused.value.response.status_code == 403
