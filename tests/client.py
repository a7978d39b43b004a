"""The one GraphQL test client: one user's operations over HTTP, in-process or against a server.

In-process, it wraps an httpx client bound to the ASGI app (the `gql` fixture); against a
served app or a `billing serve` process, `GraphQLClient.at(base, token)` owns its own.
The billing-run steps every tier drives (create, preview, confirm, wait) live here once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from api.ids import decode_id, encode_id
from tests.billing_helpers import run_input
from tests.factories import SchoolSet

CREATE_RUN = """mutation CreateRun($i: CreateBillingRunInput!) { createBillingRun(input: $i) {
  billingRun { id } errors { code message } } }"""
PREVIEW_RUN = """mutation PreviewRun($i: PreviewBillingRunInput!) { previewBillingRun(input: $i) {
  billingRun { preview { invoiceCount totalAmount { amount } } } errors { code message } } }"""
CONFIRM_RUN = """mutation ConfirmRun($i: ConfirmBillingRunInput!) { confirmBillingRun(input: $i) {
  billingRun { id status progress { processed total } } errors { code message } } }"""
RUN_STATUS = """query RunStatus($id: ID!) { node(id: $id) { ... on BillingRun { status } } }"""
WATCH_RUN = """subscription($id: ID!) { billingRunUpdated(billingRunId: $id) {
  status progress { processed total } studentsBilled totalAmount { amount } } }"""

#: Seconds `run_to_completion` waits for a confirmed run to finish.
RUN_LIMIT_SECONDS = 30.0


def local_id(global_id: str, type_name: str = "BillingRun") -> int:
    """The database id behind a global id (which must be of `type_name`)."""
    found = decode_id(global_id, type_name)
    assert found is not None, global_id
    return found


class GraphQLClient:
    """Posts operations as one user (or as whoever's token a call passes)."""

    def __init__(self, client: httpx.AsyncClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    @classmethod
    def at(cls, base: str, token: str | None = None, *, timeout: float = 60) -> GraphQLClient:
        """A client of the app served at `base` (http://host:port); close it with `aclose`."""
        return cls(httpx.AsyncClient(base_url=base, timeout=timeout), token)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        """The raw HTTP answer to one operation."""
        headers = {}
        tok = token or self.token
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The whole body of an answer that must be HTTP 200 (it may carry errors)."""
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of an answer that must carry no top-level error."""
        body = await self(query, variables, token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    # --- a billing run, step by step ------------------------------------------------------

    async def create_run(
        self, s: SchoolSet, scope: dict[str, Any] | None = None, *, term_id: int | None = None
    ) -> str:
        """A DRAFT run of all students (or `scope`) of the school's term; its global id."""
        over: dict[str, Any] = {}
        if scope is not None:
            over["scope"] = scope
        if term_id is not None:
            over["termId"] = encode_id("Term", term_id)
        data = await self.data(CREATE_RUN, {"i": run_input(s, **over)})
        payload = data["createBillingRun"]
        assert payload["errors"] == [], payload
        run_id: str = payload["billingRun"]["id"]
        return run_id

    async def preview(self, run_id: str) -> tuple[int, str]:
        """Preview the run; its invoice count and total amount."""
        data = await self.data(PREVIEW_RUN, {"i": {"billingRunId": run_id}})
        payload = data["previewBillingRun"]
        assert payload["errors"] == [], payload
        preview = payload["billingRun"]["preview"]
        return int(preview["invoiceCount"]), str(preview["totalAmount"]["amount"])

    async def confirm(self, run_id: str, **expected: Any) -> dict[str, Any]:
        """Confirm the run (with expectedInvoiceCount etc. if given); the whole payload."""
        data = await self.data(CONFIRM_RUN, {"i": {"billingRunId": run_id, **expected}})
        payload: dict[str, Any] = data["confirmBillingRun"]
        return payload

    async def status(self, run_id: str) -> str:
        data = await self.data(RUN_STATUS, {"id": run_id})
        status: str = data["node"]["status"]
        return status

    async def run_to_completion(self, s: SchoolSet) -> str:
        """Create, preview and confirm a run of all students; wait until it ends; its id."""
        run_id = await self.create_run(s)
        await self.preview(run_id)
        confirmed = await self.confirm(run_id)
        assert confirmed["errors"] == [], confirmed
        async with asyncio.timeout(RUN_LIMIT_SECONDS):
            while True:
                if await self.status(run_id) not in ("DRAFT", "PROCESSING"):
                    return run_id
                await asyncio.sleep(0.1)
