"""The embedded default end to end in one process: a served app, in-process workers, and a
real WebSocket client following a run to COMPLETED."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.ids import encode_id
from domain.models import Invoice, Role
from tests.billing_helpers import bill, new_run, populate
from tests.client import GraphQLClient
from tests.factories import Factory, SchoolSet
from tests.servers import embedded_app, serve_app, ws_url
from tests.ws_client import subscribe

WATCH = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) {
  status progress { processed total invoiced } studentsBilled totalAmount { amount } } }"""


@pytest.fixture
async def served(db: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The app with its in-process workers, served on a loopback port by uvicorn."""
    async with serve_app(embedded_app(monkeypatch, chunk_size=7)) as base:
        yield base


async def _watch_confirm(
    served: str, factory: Factory, s: SchoolSet, *, per_class: int
) -> list[dict[str, Any]]:
    """A previewed run of the school's students (`per_class` in each class), confirmed by its
    FINANCE user while a client follows it: what the client received."""
    await populate(factory, s, per_class)
    finance = await factory.actor(await s.school.account, Role.FINANCE, schools=[s.school])
    gql = GraphQLClient.at(served, finance.token)
    try:
        run_id = await gql.create_run(s)
        await gql.preview(run_id)
        watcher = asyncio.create_task(
            subscribe(ws_url(served), finance.token, WATCH, {"id": run_id})
        )
        await asyncio.sleep(0.3)
        assert (await gql.confirm(run_id))["errors"] == []
        updates: list[dict[str, Any]] = await asyncio.wait_for(watcher, 30)
    finally:
        await gql.aclose()
    return updates


async def test_a_subscriber_follows_a_run_to_completed(served: str, factory: Factory) -> None:
    # given a previewed run of 24 students (4 chunks of 7)
    s = await factory.school(await factory.account())
    # when a client subscribes and the run is confirmed
    updates = await _watch_confirm(served, factory, s, per_class=6)
    # then it saw DRAFT first, COMPLETED last, and progress never went back
    runs = [u["data"]["billingRunUpdated"] for u in updates]
    assert runs[0]["status"] == "DRAFT"
    assert runs[-1] == {
        "status": "COMPLETED",
        "progress": {"processed": 24, "total": 24, "invoiced": 24},
        "studentsBilled": 24,
        "totalAmount": {"amount": "468012.00"},
    }
    processed = [r["progress"]["processed"] for r in runs]
    assert processed == sorted(processed)
    assert await Invoice.filter(school_id=s.school.id).count() == 24


async def test_subscribing_to_a_finished_or_foreign_run(served: str, factory: Factory) -> None:
    account = await factory.account()
    s = await factory.school(account)
    admin = await factory.actor(account)
    stranger = await factory.actor(await factory.account())
    await populate(factory, s, 1)
    run = await bill(admin, await new_run(admin, s))
    run_id = encode_id("BillingRun", run.id)
    once = await subscribe(ws_url(served), admin.token, WATCH, {"id": run_id})
    assert [u["data"]["billingRunUpdated"]["status"] for u in once] == ["COMPLETED"]
    foreign = await subscribe(ws_url(served), stranger.token, WATCH, {"id": run_id})
    assert foreign[0]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert foreign[0]["errors"][0]["path"] == ["billingRunUpdated"]


async def test_a_fast_run_shows_processing_to_its_subscriber(served: str, factory: Factory) -> None:
    # given a previewed run of 6 students: one chunk, generated in milliseconds
    s = await factory.school(await factory.account())
    # when a client follows the DRAFT run and it is confirmed
    updates = await _watch_confirm(served, factory, s, per_class=1)
    # then it saw the run PROCESSING between DRAFT and COMPLETED (confirm tells it at once)
    statuses = [u["data"]["billingRunUpdated"]["status"] for u in updates]
    assert list(dict.fromkeys(statuses)) == ["DRAFT", "PROCESSING", "COMPLETED"]
