"""An M-Pesa confirmation allocated by the real workers: the server's own (embedded) and a
separate `billing worker` on Redis (production shape)."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from domain.db import conn, is_postgres
from domain.models import MobileMoneyTransaction, Payment, Role, School
from domain.money import mpesa
from tests import services
from tests.api.test_mpesa_webhook import SHORT_CODE, callback
from tests.factories import Factory
from tests.invariants import assert_money_exact
from tests.servers import BillingProcesses, embedded_app, serve_app

pytestmark = pytest.mark.e2e


async def _school(factory: Factory) -> tuple[str, str]:
    """A school with a student and an invoice; its confirmation path and the admission number."""
    account = await factory.account()
    s = await factory.school(account)
    student = await factory.student(s.school, s.classes[0])
    await factory.invoice(s, student)
    admin = await factory.actor(account, Role.ADMIN)
    secret = await mpesa.rotate_secret(admin.caller, s.school.id)
    await School.filter(id=s.school.id).update(mpesa_short_code=SHORT_CODE)
    return f"{mpesa.WEBHOOK_PREFIX}/{secret}/confirmation", student.admission_number


async def _until_matched(trans_id: str) -> MobileMoneyTransaction:
    async with asyncio.timeout(30):
        while True:
            row = await MobileMoneyTransaction.get_or_none(transaction_id=trans_id)
            if row is not None and row.processed_at is not None:
                return row
            await asyncio.sleep(0.2)


async def test_embedded_workers_allocate_a_confirmation(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, admission = await _school(factory)
    async with serve_app(embedded_app(monkeypatch)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            answer = await client.post(path, json=callback("TJEMB00001", "1500.00", admission))
        assert answer.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
        row = await _until_matched("TJEMB00001")
    assert row.status == "MATCHED"
    assert (await Payment.get(id=row.payment_id)).amount == 1500
    await assert_money_exact()


async def test_a_separate_worker_on_redis_allocates_a_confirmation(
    db: str, factory: Factory
) -> None:
    if not is_postgres(conn()):
        pytest.skip("the production shape needs PostgreSQL")
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    path, admission = await _school(factory)
    redis_url = os.environ.get("BILLING_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
    with BillingProcesses(database_url=db, redis_url=redis_url) as procs:
        base = procs.serve("serve-mpesa")
        procs.worker("worker-mpesa")
        procs.wait_until(base, "/readyz", name="serve-mpesa")
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            answer = await client.post(path, json=callback("TJRDS00001", "800.00", admission))
        assert answer.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
        row = await _until_matched("TJRDS00001")
    assert row.status == "MATCHED"
    await assert_money_exact()
