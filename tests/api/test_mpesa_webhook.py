"""M-Pesa over HTTP: Daraja's C2B callbacks as Safaricom sends them, the secret, the short
code, matching what parents type, duplicates, and the bursar's list and assignment."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from api import webhooks
from api.ids import encode_id
from domain import db as dbmod
from domain.models import MobileMoneyTransaction, MpesaWebhook, Payment, Role, School
from domain.money import mpesa
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.invariants import assert_money_exact
from tests.tables import tables

SHORT_CODE = "600984"

ROTATE = """mutation($input: SchoolIdInput!) { rotateMpesaWebhookSecret(input: $input) {
  validationPath confirmationPath errors { code } } }"""


def callback(trans_id: str, amount: str, ref: str, when: str = "20260115093012") -> dict[str, Any]:
    """A C2B body as Daraja posts it (TransAmount a string, TransTime Nairobi time)."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": when,
        "TransAmount": amount,
        "BusinessShortCode": SHORT_CODE,
        "BillRefNumber": ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": "49197.00",
        "ThirdPartyTransID": "",
        "MSISDN": "2547 ***** 126",
        "FirstName": "JOHN",
        "MiddleName": "",
        "LastName": "DOE",
    }


async def counts() -> list[int]:
    sums = ", ".join(f"(SELECT COUNT(*) FROM {t}) AS {t}" for t in tables())
    _, rows = await dbmod.conn().execute_query(f"SELECT {sums}")
    return [int(v) for v in dict(rows[0]).values()]


@pytest.fixture
def inline_allocation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allocate in the request's own task, as a worker would right after (tests only)."""

    async def now(transaction_pk: int) -> None:
        await mpesa.allocate_transaction(transaction_pk)

    monkeypatch.setattr(webhooks, "dispatch_allocation", now)


async def _school(factory: Factory, gql: GraphQLClient) -> dict[str, Any]:
    account = await factory.account()
    s = await factory.school(account)
    student = await factory.student(s.school, s.classes[0])  # ADM00003-ish
    invoice = await factory.invoice(s, student)  # 19,500.50
    admin = await factory.actor(account, Role.ADMIN)
    body = await gql(ROTATE, {"input": {"schoolId": encode_id("School", s.school.id)}}, admin.token)
    paths = body["data"]["rotateMpesaWebhookSecret"]
    await School.filter(id=s.school.id).update(mpesa_short_code=SHORT_CODE)
    return {
        "s": s,
        "student": student,
        "invoice": invoice,
        "admin": admin,
        "paths": paths,
        "account": account,
    }


async def test_a_confirmation_pays_the_student_whose_admission_number_was_typed(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, inline_allocation: None
) -> None:
    w = await _school(factory, gql)
    typed = (
        " #"
        + w["student"].admission_number.lower()[:3]
        + "-"
        + w["student"].admission_number[3:]
        + " "
    )
    # after 23:00 UTC... 01:30 in Nairobi on the 16th is still the 15th in UTC
    response = await http.post(
        w["paths"]["confirmationPath"],
        json=callback("TJF7HX2K9Q", "5000.00", typed, "20260116013000"),
    )
    assert (response.status_code, response.json()) == (
        200,
        {"ResultCode": 0, "ResultDesc": "Accepted"},
    )
    row = await MobileMoneyTransaction.get(transaction_id="TJF7HX2K9Q")
    assert (row.status, row.student_id) == ("MATCHED", w["student"].id)
    payment = await Payment.get(id=row.payment_id)
    assert (payment.channel, payment.amount, payment.paid_on, payment.reference) == (
        "MPESA",
        Decimal("5000.00"),
        date(2026, 1, 16),
        "TJF7HX2K9Q",
    )
    assert payment.receipt_number == "RCT-2026-000001"
    await assert_money_exact()


async def test_an_invoice_number_matches_its_student_and_a_stranger_waits_unmatched(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, inline_allocation: None
) -> None:
    w = await _school(factory, gql)
    typed = w["invoice"].number.lower().replace("-", " ")
    url = w["paths"]["confirmationPath"]
    await http.post(url, json=callback("TJF7HX2K91", "100.00", typed))
    await http.post(url, json=callback("TJF7HX2K92", "250.00", "my daughter"))
    matched = await MobileMoneyTransaction.get(transaction_id="TJF7HX2K91")
    waiting = await MobileMoneyTransaction.get(transaction_id="TJF7HX2K92")
    assert (matched.status, matched.student_id) == ("MATCHED", w["student"].id)
    assert (waiting.status, waiting.payment_id) == ("UNMATCHED", None)
    # the bursar sees it among the unmatched and assigns it
    finance = await factory.actor(w["account"], Role.FINANCE, [w["s"].school])
    body = await gql(
        """query($id: ID!) { mobileMoneyTransactions(schoolId: $id, statuses: [UNMATCHED]) {
             totalCount edges { node { id transactionId accountReference payerName
               amount { amount } status payment { id } } } } }""",
        {"id": encode_id("School", w["s"].school.id)},
        finance.token,
    )
    listing = body["data"]["mobileMoneyTransactions"]
    assert listing["totalCount"] == 1
    node = listing["edges"][0]["node"]
    assert (node["transactionId"], node["payerName"], node["amount"]["amount"]) == (
        "TJF7HX2K92",
        "JOHN DOE",
        "250.00",
    )
    assign = """mutation($input: AssignTransactionInput!) { assignTransaction(input: $input) {
        transaction { status payment { amount { amount } paidOn channel } } errors { code } } }"""
    inp = {
        "input": {"transactionId": node["id"], "studentId": encode_id("Student", w["student"].id)}
    }
    viewer = await factory.actor(w["account"], Role.VIEWER, [w["s"].school])
    denied = await gql(assign, inp, viewer.token)
    assert [e["code"] for e in denied["data"]["assignTransaction"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    body = await gql(assign, inp, finance.token)
    done = body["data"]["assignTransaction"]["transaction"]
    assert done["status"] == "ASSIGNED"
    assert done["payment"] == {
        "amount": {"amount": "250.00"},
        "paidOn": "2026-01-15",
        "channel": "MPESA",
    }
    again = await gql(assign, inp, finance.token)
    assert [e["code"] for e in again["data"]["assignTransaction"]["errors"]] == ["INVALID_STATE"]
    await assert_money_exact()


async def test_wrong_secret_short_code_or_validation_record_nothing(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, inline_allocation: None
) -> None:
    w = await _school(factory, gql)
    before = await counts()
    wrong = await http.post(
        "/webhooks/mpesa/not-the-secret/confirmation", json=callback("TJ1", "10.00", "x")
    )
    assert wrong.status_code == 404
    other_code = {
        **callback("TJ2", "10.00", w["student"].admission_number),
        "BusinessShortCode": "174379",
    }
    refused = await http.post(w["paths"]["confirmationPath"], json=other_code)
    assert refused.json() == {"ResultCode": "C2B00015", "ResultDesc": "Rejected"}
    valid = await http.post(
        w["paths"]["validationPath"], json=callback("TJ3", "10.00", w["student"].admission_number)
    )
    assert valid.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    garbage = await http.post(w["paths"]["confirmationPath"], content=b"{not json")
    assert garbage.status_code == 400
    assert await counts() == before
    # rotating the secret retires the old one; FINANCE may not rotate
    old = w["paths"]["confirmationPath"]
    await gql(
        ROTATE, {"input": {"schoolId": encode_id("School", w["s"].school.id)}}, w["admin"].token
    )
    assert (await http.post(old, json=callback("TJ4", "10.00", "x"))).status_code == 404
    finance = await factory.actor(w["account"], Role.FINANCE, [w["s"].school])
    body = await gql(
        ROTATE, {"input": {"schoolId": encode_id("School", w["s"].school.id)}}, finance.token
    )
    assert body["data"]["rotateMpesaWebhookSecret"] == {
        "validationPath": None,
        "confirmationPath": None,
        "errors": [{"code": "PERMISSION_DENIED"}],
    }
    stored = await MpesaWebhook.get(school_id=w["s"].school.id)
    assert len(stored.secret_hash) == 64 and stored.secret_hash not in old


async def test_one_trans_id_delivered_five_times_at_once_pays_once(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, inline_allocation: None
) -> None:
    if not dbmod.is_postgres():
        pytest.skip("simultaneous deliveries need PostgreSQL's parallel transactions")
    w = await _school(factory, gql)
    body = callback("TJ5DUP0001", "700.00", w["student"].admission_number)
    answers = await asyncio.gather(
        *(http.post(w["paths"]["confirmationPath"], json=body) for _ in range(5))
    )
    assert [a.json()["ResultCode"] for a in answers] == [0] * 5
    assert await MobileMoneyTransaction.filter(transaction_id="TJ5DUP0001").count() == 1
    assert await Payment.all().count() == 1
    await assert_money_exact()


async def test_the_answer_does_not_wait_for_allocation(
    gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a queue that is down (the in-process fallback) and an allocation that takes 1.5 s
    w = await _school(factory, gql)
    monkeypatch.setattr("workers.mpesa.enqueue_allocation", lambda pk: False)
    real = mpesa.allocate_transaction

    async def slow(pk: int) -> None:
        await asyncio.sleep(1.5)
        await real(pk)

    monkeypatch.setattr(mpesa, "allocate_transaction", slow)
    started = time.perf_counter()
    answer = await http.post(
        w["paths"]["confirmationPath"],
        json=callback("TJSLOW0001", "50.00", w["student"].admission_number),
    )
    elapsed = time.perf_counter() - started
    # then Daraja has its answer at once, the payment recorded, and the allocation follows
    assert answer.json()["ResultCode"] == 0 and elapsed < 1.0, elapsed
    assert (await MobileMoneyTransaction.get(transaction_id="TJSLOW0001")).processed_at is None
    await asyncio.gather(*webhooks._tasks)
    assert (await MobileMoneyTransaction.get(transaction_id="TJSLOW0001")).status == "MATCHED"
    await assert_money_exact()
