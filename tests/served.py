"""The app served for real on a free loopback port by uvicorn, with in-process workers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.ids import encode_id
from tests import servers
from tests.billing_helpers import run_input
from tests.factories import SchoolSet


@contextlib.asynccontextmanager
async def serve_app(monkeypatch: pytest.MonkeyPatch, *, chunk_size: int = 7) -> AsyncIterator[str]:
    """Yields "127.0.0.1:PORT" while the app (embedded queue and workers) serves there."""
    from api.app import create_app
    from domain.settings import get_settings

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(get_settings(), "redis_url", None)
    monkeypatch.setattr(get_settings(), "billing_chunk_size", chunk_size)
    async with servers.serve_app(create_app(manage_db=False)) as base:
        yield base.removeprefix("http://")


async def run_to_completion(http: httpx.AsyncClient, s: SchoolSet) -> str:
    """Create, preview and confirm a run over GraphQL; wait until it finishes; its id."""

    async def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    created = await post(
        """mutation CreateRun($i: CreateBillingRunInput!) {
        createBillingRun(input: $i) { billingRun { id } errors { code } } }""",
        {"i": run_input(s)},
    )
    run_id: str = created["createBillingRun"]["billingRun"]["id"]
    ids = {"i": {"billingRunId": run_id}}
    await post(
        """mutation PreviewRun($i: PreviewBillingRunInput!) {
        previewBillingRun(input: $i) { errors { code } } }""",
        ids,
    )
    confirmed = await post(
        """mutation ConfirmRun($i: ConfirmBillingRunInput!) {
        confirmBillingRun(input: $i) { errors { code } } }""",
        ids,
    )
    assert confirmed["confirmBillingRun"]["errors"] == []
    async with asyncio.timeout(30):
        while True:
            listed = await post(
                """query RunStatus($school: ID!) {
                billingRuns(schoolId: $school, first: 100) { edges { node { id status } } } }""",
                {"school": encode_id("School", s.school.id)},
            )
            status = {e["node"]["id"]: e["node"]["status"] for e in listed["billingRuns"]["edges"]}[
                run_id
            ]
            if status not in ("DRAFT", "PROCESSING"):
                return run_id
            await asyncio.sleep(0.1)
