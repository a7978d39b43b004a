"""Payment imports over GraphQL: an M-Pesa portal statement and a simple CSV read into lines
(MATCHED, UNMATCHED, DUPLICATE, INVALID), assigned, confirmed once, deleted; 20,000 rows
previewed within 2 s."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from api.ids import encode_id
from domain.models import MobileMoneyTransaction, Payment, PaymentImport, Role
from domain.money import payments
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.invariants import assert_money_exact

CREATE = """mutation($input: CreatePaymentImportInput!) { createPaymentImport(input: $input) {
  paymentImport { id status matchedCount matchedAmount { amount } unmatchedCount duplicateCount
    invalidCount lines(first: 100) { totalCount edges { node { rowNumber status
      transactionReference paidOn amount { amount } accountReference student { admissionNumber }
      message } } } }
  errors { code field message } } }"""
CONFIRM = """mutation($input: PaymentImportIdInput!) { confirmPaymentImport(input: $input) {
  paymentImport { status matchedCount confirmedAt } errors { code } } }"""
DELETE = """mutation($input: PaymentImportIdInput!) { deletePaymentImport(input: $input) {
  paymentImport { id } errors { code } } }"""
ASSIGN = """mutation($input: AssignPaymentImportLineInput!) { assignPaymentImportLine(input: $input) {
  paymentImport { matchedCount unmatchedCount matchedAmount { amount } } errors { code } } }"""


async def _world(factory: Factory) -> dict[str, Any]:
    account = await factory.account()
    s = await factory.school(account)
    one = await factory.student(s.school, s.classes[0])
    two = await factory.student(s.school, s.classes[1])
    invoice = await factory.invoice(s, two)
    finance = await factory.actor(account, Role.FINANCE, [s.school])
    return {
        "s": s,
        "one": one,
        "two": two,
        "invoice": invoice,
        "finance": finance,
        "account": account,
    }


def mpesa_statement(rows: list[tuple[str, str, str, str]]) -> str:
    """A paybill statement as the M-Pesa portal exports it: a preamble, then the table."""
    head = [
        "Organization Name:,Riverside Academy",
        "Time Period:,01-01-2026 - 31-01-2026",
        "",
        "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,"
        "Withdrawn,Balance,Balance Confirmed,Reason Type,Other Party Info,"
        "Linked Transaction ID,A/C No.",
    ]
    body = [
        f'{ref},{when},{when},Pay Bill from 2547****126 - JOHN DOE,Completed,"{paid}",,'
        f'"1,000,000.00",true,Pay Bill,2547****126 - JOHN DOE,,{account}'
        for ref, when, paid, account in rows
    ]
    return "\n".join(head + body) + "\n"


async def test_an_mpesa_statement_is_previewed_then_confirmed_once(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory)
    # an M-Pesa payment already received, and a manual payment with a reference
    await MobileMoneyTransaction.create(
        school=w["s"].school,
        transaction_id="TJA0000003",
        amount=Decimal("5.00"),
        received_at=datetime(2026, 1, 3, tzinfo=UTC),
        paid_on=date(2026, 1, 3),
        account_reference="?",
        short_code="600984",
    )
    await payments.receive_payment(
        w["finance"].caller,
        w["one"].id,
        amount=Decimal("1.00"),
        paid_on=date(2026, 1, 2),
        method="Cash",
        reference="SLIP-9",
    )
    content = mpesa_statement(
        [
            ("TJA0000001", "2026-01-15 09:30:12", "5,000.00", w["one"].admission_number.lower()),
            ("TJA0000002", "2026-01-16 10:00:00", "1,500.50", w["invoice"].number),
            ("TJA0000003", "2026-01-16 11:00:00", "10.00", w["one"].admission_number),
            ("tja0000001 ", "2026-01-17 11:00:00", "10.00", w["one"].admission_number),
            ("slip-9", "2026-01-17 11:00:00", "10.00", w["one"].admission_number),
            ("TJA0000006", "yesterday", "10.00", w["one"].admission_number),
            ("TJA0000007", "2026-01-18 08:00:00", "", w["one"].admission_number),
            ("TJA0000008", "2026-01-18 08:00:00", "20.00", "unknown child"),
        ]
    )
    inp = {
        "input": {
            "schoolId": encode_id("School", w["s"].school.id),
            "format": "MPESA_STATEMENT",
            "content": content,
        }
    }
    body = await gql(CREATE, inp, w["finance"].token)
    created = body["data"]["createPaymentImport"]
    assert created["errors"] == []
    imp = created["paymentImport"]
    statuses = [(n["node"]["rowNumber"], n["node"]["status"]) for n in imp["lines"]["edges"]]
    assert statuses == [
        (1, "MATCHED"),
        (2, "MATCHED"),
        (3, "DUPLICATE"),
        (4, "DUPLICATE"),
        (5, "DUPLICATE"),
        (6, "INVALID"),
        (7, "INVALID"),
        (8, "UNMATCHED"),
    ]
    assert (
        imp["matchedCount"],
        imp["matchedAmount"]["amount"],
        imp["unmatchedCount"],
        imp["duplicateCount"],
        imp["invalidCount"],
    ) == (2, "6500.50", 1, 3, 2)
    first = imp["lines"]["edges"][0]["node"]
    assert (first["paidOn"], first["amount"]["amount"], first["student"]["admissionNumber"]) == (
        "2026-01-15",
        "5000.00",
        w["one"].admission_number,
    )
    assert await Payment.all().count() == 1  # nothing paid by the preview
    # the unmatched row assigned by hand becomes MATCHED
    assign = {
        "input": {
            "paymentImportId": imp["id"],
            "rowNumber": 8,
            "studentId": encode_id("Student", w["two"].id),
        }
    }
    body = await gql(ASSIGN, assign, w["finance"].token)
    assert body["data"]["assignPaymentImportLine"]["paymentImport"]["matchedCount"] == 3
    # confirmed twice: paid once
    ids = {"input": {"paymentImportId": imp["id"]}}
    for _ in range(2):
        body = await gql(CONFIRM, ids, w["finance"].token)
        assert body["data"]["confirmPaymentImport"]["paymentImport"]["status"] == "CONFIRMED"
    imported = await Payment.filter(channel="IMPORT").order_by("id")
    assert [(p.reference, p.amount) for p in imported] == [
        ("TJA0000001", Decimal("5000.00")),
        ("TJA0000002", Decimal("1500.50")),
        ("TJA0000008", Decimal("20.00")),
    ]
    # a confirmed import cannot be deleted
    body = await gql(DELETE, ids, w["finance"].token)
    assert [e["code"] for e in body["data"]["deletePaymentImport"]["errors"]] == ["INVALID_STATE"]
    await assert_money_exact()


async def test_a_simple_csv_draft_can_be_deleted_and_viewers_only_read(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory)
    content = (
        f"date,amount,reference,account\n2026-01-12,300.00,BANK-1,{w['two'].admission_number}\n"
    )
    inp = {
        "input": {
            "schoolId": encode_id("School", w["s"].school.id),
            "format": "SIMPLE_CSV",
            "content": content,
        }
    }
    viewer = await factory.actor(w["account"], Role.VIEWER, [w["s"].school])
    denied = await gql(CREATE, inp, viewer.token)
    assert [e["code"] for e in denied["data"]["createPaymentImport"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    bad = await gql(
        CREATE, {"input": {**inp["input"], "content": "a,b\n1,2\n"}}, w["finance"].token
    )
    assert [(e["code"], e["field"]) for e in bad["data"]["createPaymentImport"]["errors"]] == [
        ("INVALID_INPUT", ["input", "content"])
    ]
    body = await gql(CREATE, inp, w["finance"].token)
    imp = body["data"]["createPaymentImport"]["paymentImport"]
    listed = await gql(
        "query($id: ID!) { paymentImports(schoolId: $id) { totalCount edges { node { id } } } }",
        {"id": encode_id("School", w["s"].school.id)},
        viewer.token,
    )
    assert listed["data"]["paymentImports"]["totalCount"] == 1
    body = await gql(DELETE, {"input": {"paymentImportId": imp["id"]}}, w["finance"].token)
    assert body["data"]["deletePaymentImport"]["errors"] == []
    assert await PaymentImport.all().count() == 0
    await assert_money_exact()


async def test_twenty_thousand_rows_are_previewed_within_two_seconds(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory)
    rows = [
        (
            f"TJB{n:07d}",
            "2026-01-15 09:30:12",
            "1,000.00",
            w["one"].admission_number if n % 3 else f"GUESS {n}",
        )
        for n in range(20_000)
    ]
    content = mpesa_statement(rows)
    inp = {
        "input": {
            "schoolId": encode_id("School", w["s"].school.id),
            "format": "MPESA_STATEMENT",
            "content": content,
        }
    }
    query = """mutation($input: CreatePaymentImportInput!) { createPaymentImport(input: $input) {
        paymentImport { matchedCount unmatchedCount lines(first: 50) { totalCount } }
        errors { code } } }"""
    started = time.perf_counter()
    body = await gql(query, inp, w["finance"].token)
    elapsed = time.perf_counter() - started
    imp = body["data"]["createPaymentImport"]["paymentImport"]
    assert (imp["matchedCount"], imp["unmatchedCount"], imp["lines"]["totalCount"]) == (
        13_333,
        6_667,
        20_000,
    )
    print(f"20,000-row preview: {elapsed:.2f} s")
    assert elapsed <= 2.0, elapsed
