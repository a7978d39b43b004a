"""Smaller promises (issue 14 item 14): DateTime in milliseconds, FeeItem reachable by node(),
one spelling per id, a cancelled invoice owes nothing, /readyz names Redis only when there is
one, and the CSV export refuses what it cannot honour."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from api.ids import encode_id
from domain.settings import get_settings
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.world import World, build_world
from workers.runtime import Runtime


@pytest.fixture
async def world(factory: Factory) -> World:
    return await build_world(factory, students=4, history=True)


#: UTC, milliseconds, a Z: what Swift's ISO 8601 decoder with fractional seconds reads.
MILLISECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def test_datetimes_carry_milliseconds_and_a_z(world: World, gql: GraphQLClient) -> None:
    query = """query($id: ID!) { node(id: $id) { ... on BillingRun { createdAt confirmedAt
      completedAt } } }"""
    body = await gql(
        query, {"id": encode_id("BillingRun", world.history.completed.id)}, token=world.owner.token
    )
    values = list(body["data"]["node"].values())
    assert values and all(MILLISECONDS.fullmatch(v) for v in values), values


NODE = "query($id: ID!) { node(id: $id) { id ... on FeeItem { name amount { amount } } } }"


async def test_a_fee_item_is_reachable_by_node_for_its_school_only(
    world: World, gql: GraphQLClient
) -> None:
    item = world.s.items[0]
    gid = encode_id("FeeItem", item.id)
    body = await gql(NODE, {"id": gid}, token=world.owner.token)
    assert body == {
        "data": {"node": {"id": gid, "name": item.name, "amount": {"amount": "15000.00"}}}
    }
    for outsider in (world.stranger, world.ungranted):
        assert await gql(NODE, {"id": gid}, token=outsider.token) == {"data": {"node": None}}


def _raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "spelling",
    ["School:0{pk}", "School: {pk}", "School:{pk} ", "School:+{pk}", "arabic", "whitespace"],
)
async def test_an_id_spelled_another_way_is_no_id(
    world: World, gql: GraphQLClient, spelling: str
) -> None:
    pk = world.s.school.id
    if spelling == "arabic":
        gid = _raw_id("School:" + str(pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    elif spelling == "whitespace":
        # base64 decoding skips characters outside its alphabet: the same bytes, another id
        canonical = encode_id("School", pk)
        gid = canonical[:4] + " " + canonical[4:]
    else:
        gid = _raw_id(spelling.format(pk=pk))
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token=world.owner.token
    )
    assert body == {"data": {"node": None}}
    # while the id as handed out resolves
    canonical = encode_id("School", pk)
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": canonical}, token=world.owner.token
    )
    assert body == {"data": {"node": {"id": canonical}}}


async def test_a_cancelled_invoice_owes_nothing(world: World, gql: GraphQLClient) -> None:
    cancel = """mutation($input: CancelInvoiceInput!) { cancelInvoice(input: $input) {
      invoice { status total { amount } amountPaid { amount } balance { amount } }
      errors { code } } }"""
    body = await gql(
        cancel,
        {"input": {"invoiceId": world.gid("Invoice"), "reason": "Billed by mistake"}},
        token=world.owner.token,
    )
    invoice = body["data"]["cancelInvoice"]["invoice"]
    assert invoice["status"] == "CANCELLED"
    assert invoice["total"]["amount"] != "0.00"
    assert invoice["balance"] == {"amount": "0.00"}, invoice


@pytest.fixture
def redis_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import os

    url = os.environ.get("BILLING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    yield url
    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()


async def _ready(runtime: Runtime) -> httpx.Response:
    app = create_app(manage_runtime=False)
    app.state.runtime = runtime
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/readyz")


async def test_readyz_names_no_redis_in_the_embedded_mode(db: str) -> None:
    get_settings.cache_clear()
    assert get_settings().redis_url is None
    response = await _ready(Runtime.for_server(get_settings(), run_workers=False))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_names_redis_when_configured(db: str, redis_configured: str) -> None:
    response = await _ready(Runtime.for_server(get_settings(), run_workers=False))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_the_export_refuses_an_overlong_search_and_a_garbage_id(
    world: World, gql: GraphQLClient
) -> None:
    headers = {"Authorization": f"Bearer {world.owner.token}"}
    school = world.gid("School")
    for params in (
        {"schoolId": school, "search": "x" * 5000},
        {"schoolId": school, "billingRunId": "garbage"},
        {"schoolId": school, "billingRunId": world.gid("Term")},
    ):
        response = await gql.client.get("/exports/invoices.csv", params=params, headers=headers)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    # and the invoices query refuses the same search
    query = """query($school: ID!, $search: String) {
      invoices(schoolId: $school, filter: {search: $search}) { totalCount } }"""
    body = await gql(query, {"school": school, "search": "x" * 5000}, token=world.owner.token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body
    # while a well-formed run id that matches nothing exports just the header
    response = await gql.client.get(
        "/exports/invoices.csv",
        params={"schoolId": school, "billingRunId": encode_id("BillingRun", 2**31 - 2)},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.text.count("\n") == 1
