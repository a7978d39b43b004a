"""Operators see each request as one JSON log line without secrets, and a run's figures on
/metrics."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.logging_setup import JsonFormatter
from domain.models import Role
from tests.billing_helpers import populate
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.servers import embedded_app, serve_app


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def test_a_request_is_one_json_line_without_the_token(
    http: httpx.AsyncClient, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    # given a user with a token
    account = await factory.account()
    admin = await factory.actor(account)
    # when they run a named query
    with caplog.at_level(logging.INFO, logger="billing.http"):
        response = await http.post(
            "/graphql",
            json={"query": "query WhoAmI { viewer { email } }"},
            headers={"Authorization": f"Bearer {admin.token}"},
        )
    assert response.status_code == 200
    # then exactly one request line tells method, path, status, time and operation
    records = [r for r in caplog.records if r.name == "billing.http"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["message"] == "request"
    assert {k: logged[k] for k in ("method", "path", "status", "operation")} == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation": "WhoAmI",
    }
    assert isinstance(logged["duration_ms"], float)
    assert admin.token not in line and "Bearer" not in line


def test_the_formatter_drops_secret_fields_and_masks_bearer_tokens() -> None:
    record = logging.LogRecord(
        "billing.x", logging.INFO, __file__, 1, "got %s", ("Bearer abc.def",), None
    )
    record.authorization = "Bearer abc.def"
    record.guardian_phone = "+254700000000"
    record.run_id = 7
    logged = json.loads(JsonFormatter().format(record))
    assert logged["message"] == "got Bearer [redacted]"
    assert logged["run_id"] == 7
    assert "authorization" not in logged and "guardian_phone" not in logged


async def test_metrics_show_requests_runs_by_status_and_invoices_created(
    db: str, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 24 students to bill, in chunks of 7, and the app served with its workers
    account = await factory.account()
    s = await factory.school(account)
    await populate(factory, s, 6)
    finance = await factory.actor(account, Role.FINANCE, schools=[s.school])
    async with serve_app(embedded_app(monkeypatch)) as base:
        gql = GraphQLClient.at(base, finance.token)
        try:
            before = (await gql.client.get("/metrics")).text
            # when a run is billed over GraphQL
            await gql.run_to_completion(s)
            after_response = await gql.client.get("/metrics")
        finally:
            await gql.aclose()
    # then /metrics shows the requests by operation, the run, and its invoices and chunks
    assert after_response.status_code == 200
    after = after_response.text
    confirm = {"method": "POST", "path": "/graphql", "operation": "ConfirmRun", "status": "200"}
    assert (
        value(after, "billing_http_requests_total", **confirm)
        == value(before, "billing_http_requests_total", **confirm) + 1
    )
    assert value(after, "billing_runs", status="COMPLETED") == 1
    assert value(after, "billing_runs", status="PROCESSING") == 0
    assert (
        value(after, "billing_invoices_created_total")
        - value(before, "billing_invoices_created_total")
        == 24
    )
    assert (
        value(after, "billing_chunk_duration_seconds_count")
        - value(before, "billing_chunk_duration_seconds_count")
        == 4
    )
    lag = "billing_queue_lag_seconds_count"
    assert (
        value(after, lag, actor="generate_chunk") >= value(before, lag, actor="generate_chunk") + 4
    )
    assert (
        value(
            after,
            "billing_http_request_duration_seconds_count",
            path="/graphql",
            operation="ConfirmRun",
        )
        >= 1
    )
