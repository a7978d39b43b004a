"""retryBillingRun over GraphQL: progress.processed never moves backwards (contract)."""

from __future__ import annotations

from typing import Any

import pytest

from api.ids import encode_id
from domain.billing.confirm import confirm_billing_run
from domain.billing.generation import generate_chunk
from domain.billing.preview import preview_billing_run
from domain.models import BillingRunItem, Student, StudentStatus
from tests.billing_helpers import Recorder, new_run, populate
from tests.client import GraphQLClient
from tests.factories import Factory

PROGRESS = "status progress { total processed invoiced skipped failed percent }"
RETRY = (
    "mutation($input: BillingRunIdInput!) { retryBillingRun(input: $input) { billingRun { "
    + PROGRESS
    + " } errors { code } } }"
)
READ = "query($id: ID!) { node(id: $id) { ... on BillingRun { " + PROGRESS + " } } }"


async def _progress(gql: GraphQLClient, token: str, run_id: str) -> dict[str, Any]:
    body = await gql(READ, {"id": run_id}, token=token)
    node: dict[str, Any] = body["data"]["node"]
    return node


async def test_retrying_a_run_never_moves_processed_backwards(
    gql: GraphQLClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a run of 12 students in chunks of 3, five of whom (in three chunks) fail
    from domain.settings import get_settings

    monkeypatch.setattr(get_settings(), "billing_chunk_size", 3)
    s, admin = await factory.school_with_admin()
    await populate(factory, s, 3)
    run = await preview_billing_run(admin.caller, (await new_run(admin, s)).id)
    recorder = Recorder()
    await confirm_billing_run(admin.caller, run.id, dispatch=recorder)
    items = await BillingRunItem.filter(run_id=run.id).order_by("chunk", "student_id")
    leavers = [items[i].student_id for i in (0, 1, 4, 9, 10)]
    await Student.filter(id__in=leavers).update(status=StudentStatus.WITHDRAWN)
    await recorder.drain()
    run_id = encode_id("BillingRun", run.id)
    before = await _progress(gql, admin.token, run_id)
    assert before["status"] == "PARTIALLY_COMPLETED"
    assert before["progress"]["processed"] == 12
    assert before["progress"]["failed"] == 5
    # when four of them come back (one stays withdrawn) and the run is retried
    await Student.filter(id__in=leavers[:4]).update(status=StudentStatus.ACTIVE)
    body = await gql(RETRY, {"input": {"billingRunId": run_id}}, token=admin.token)
    # then processed stays where it was, at the answer and at every step of the retry
    payload = body["data"]["retryBillingRun"]
    assert payload["errors"] == []
    assert payload["billingRun"]["status"] == "PROCESSING"
    assert payload["billingRun"]["progress"]["processed"] == 12
    chunks = sorted({items[i].chunk for i in (0, 1, 4, 9, 10)})
    assert len(chunks) == 3
    seen = [payload["billingRun"]]
    for chunk in chunks:
        await generate_chunk(run.id, chunk)
        seen.append(await _progress(gql, admin.token, run_id))
    assert [p["progress"]["processed"] for p in seen] == [12, 12, 12, 12]
    assert [p["status"] for p in seen] == [
        "PROCESSING",
        "PROCESSING",
        "PROCESSING",
        "PARTIALLY_COMPLETED",
    ]
    assert seen[-1]["progress"] == {
        "total": 12,
        "processed": 12,
        "invoiced": 11,
        "skipped": 0,
        "failed": 1,
        "percent": 100.0,
    }
    # and a second retry, once the last one is back, completes the run
    await Student.filter(id=leavers[4]).update(status=StudentStatus.ACTIVE)
    body = await gql(RETRY, {"input": {"billingRunId": run_id}}, token=admin.token)
    assert body["data"]["retryBillingRun"]["billingRun"]["progress"]["processed"] == 12
    await generate_chunk(run.id, chunks[-1])
    final = await _progress(gql, admin.token, run_id)
    assert final["status"] == "COMPLETED"
    assert final["progress"]["processed"] == 12
    assert (final["progress"]["invoiced"], final["progress"]["failed"]) == (12, 0)
