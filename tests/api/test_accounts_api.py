"""Accounts over GraphQL: opening balances, payments, credit notes, reversals, the ledger and
its statement, receivables; roles. Every test that moves money ends with the invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from api.ids import encode_id
from domain.models import AuditEvent, Invoice, Payment, Role, Student
from tests.client import GraphQLClient
from tests.factories import Actor, Factory
from tests.invariants import assert_money_exact

RECEIVE = """mutation($input: ReceivePaymentInput!) { receivePayment(input: $input) {
  payment { receiptNumber channel amount { amount currency } unallocatedAmount { amount }
            student { admissionNumber } receivedAmount { amount currency } exchangeRate
            allocations { amount { amount } invoice { number status } payment { receiptNumber } } }
  errors { field code message } } }"""

LEDGER = """query($id: ID!, $from: Date!, $to: Date!) { node(id: $id) { ... on Student {
  ledger { balance { amount } unallocatedCredit { amount } openingBalance { amount }
           overdueAmount { amount }
    entries(first: 50) { totalCount edges { node { date kind reference debit { amount }
            credit { amount } balance { amount } } } }
    statement(from: $from, to: $to) { from to openingBalance { amount } totalInvoiced { amount }
            totalPaid { amount } totalCredited { amount } closingBalance { amount }
            entries { kind reference } } } } } }"""


async def _receive(
    gql: GraphQLClient, actor: Actor, student: Student, amount: str, **more: Any
) -> dict[str, Any]:
    """receivePayment of `amount` in cash on 2026-01-10 for the student, by the actor."""
    input = {
        "studentId": encode_id("Student", student.id),
        "amount": amount,
        "paidOn": "2026-01-10",
        "method": "Cash",
        **more,
    }
    body: dict[str, Any] = await gql(RECEIVE, {"input": input}, actor.token)
    return body


async def _world(factory: Factory) -> dict[str, Any]:
    account = await factory.account()
    s = await factory.school(account)
    student = await factory.student(s.school, s.classes[0])
    older = await factory.older_term(s)
    tuition = [("Tuition", Decimal("600.00"))]
    first = await factory.invoice(
        s,
        student,
        lines=tuition,
        term=older,
        invoice_date=date(2025, 9, 1),
        due_date=date(2025, 10, 1),
    )
    tuition = [("Tuition", Decimal("400.00"))]
    second = await factory.invoice(
        s, student, lines=tuition, invoice_date=date(2026, 1, 5), due_date=date(2026, 2, 5)
    )
    return {
        "s": s,
        "student": student,
        "first": first,
        "second": second,
        "finance": await factory.actor(account, Role.FINANCE, [s.school]),
        "viewer": await factory.actor(account, Role.VIEWER, [s.school]),
    }


async def test_money_in_and_the_ledger_over_graphql(gql: GraphQLClient, factory: Factory) -> None:
    w = await _world(factory)
    token = w["finance"].token
    student_id = encode_id("Student", w["student"].id)
    # an opening debt of 50
    body = await gql(
        """mutation($input: SetOpeningBalancesInput!) { setOpeningBalances(input: $input) {
             students { admissionNumber } errors { code field } } }""",
        {
            "input": {
                "schoolId": encode_id("School", w["s"].school.id),
                "asOf": "2025-08-31",
                "balances": [{"studentId": student_id, "amount": "50.00"}],
            }
        },
        token,
    )
    assert body["data"]["setOpeningBalances"]["errors"] == []
    # 700 received: opening 50, then the older invoice 600, then 50 of the newer
    body = await gql(
        RECEIVE,
        {
            "input": {
                "studentId": student_id,
                "amount": "700.00",
                "paidOn": "2026-01-10",
                "method": "Bank transfer",
                "reference": "SLIP-1",
            }
        },
        token,
    )
    payment = body["data"]["receivePayment"]["payment"]
    assert body["data"]["receivePayment"]["errors"] == []
    assert payment["receiptNumber"] == "RCT-2026-000001" and payment["channel"] == "MANUAL"
    assert [
        (a["amount"]["amount"], a["invoice"] and a["invoice"]["status"])
        for a in payment["allocations"]
    ] == [("50.00", None), ("600.00", "PAID"), ("50.00", "PARTIALLY_PAID")]
    assert payment["unallocatedAmount"]["amount"] == "0.00"
    # a credit note of 100 on the newer invoice
    body = await gql(
        """mutation($input: IssueCreditNoteInput!) { issueCreditNote(input: $input) {
             creditNote { number amount { amount } reason issuedOn }
             invoice { creditedAmount { amount } balance { amount } status
                       creditNotes { number } allocations { amount { amount } } }
             errors { code field } } }""",
        {
            "input": {
                "invoiceId": encode_id("Invoice", w["second"].id),
                "amount": "100.00",
                "reason": "Bursary",
                "issuedOn": "2026-01-12",
            }
        },
        token,
    )
    note = body["data"]["issueCreditNote"]
    assert note["errors"] == []
    assert note["creditNote"]["number"] == "CN-2026-000001"
    assert note["invoice"]["creditedAmount"]["amount"] == "100.00"
    assert note["invoice"]["balance"]["amount"] == "250.00"
    assert note["invoice"]["status"] == "PARTIALLY_PAID"
    # the viewer reads the ledger and a statement of 2026
    body = await gql(
        LEDGER, {"id": student_id, "from": "2026-01-01", "to": "2026-12-31"}, w["viewer"].token
    )
    ledger = body["data"]["node"]["ledger"]
    assert ledger["balance"]["amount"] == "250.00"
    assert ledger["openingBalance"]["amount"] == "50.00"
    kinds = [e["node"]["kind"] for e in ledger["entries"]["edges"]]
    assert kinds == ["OPENING_BALANCE", "INVOICE", "INVOICE", "PAYMENT", "CREDIT_NOTE"]
    statement = ledger["statement"]
    assert statement["openingBalance"]["amount"] == "650.00"
    assert (
        statement["totalInvoiced"]["amount"],
        statement["totalPaid"]["amount"],
        statement["totalCredited"]["amount"],
        statement["closingBalance"]["amount"],
    ) == ("400.00", "700.00", "100.00", "250.00")
    # reversing the payment: the invoices owe again
    body = await gql(
        """mutation($input: ReversePaymentInput!) { reversePayment(input: $input) {
             payment { reversedAt reversalReason allocations { amount { amount } }
                       unallocatedAmount { amount } } errors { code } } }""",
        {
            "input": {
                "paymentId": encode_id("Payment", (await Payment.first()).id),  # type: ignore[union-attr]
                "reason": "Slip bounced",
            }
        },
        token,
    )
    reversed_ = body["data"]["reversePayment"]["payment"]
    assert reversed_["reversalReason"] == "Slip bounced" and reversed_["allocations"] == []
    assert (await Invoice.get(id=w["first"].id)).status == "ISSUED"
    assert await AuditEvent.filter(action="REVERSED_PAYMENT").count() == 1
    await assert_money_exact()


async def test_over_the_balance_and_bad_foreign_amounts_are_refused(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory)
    invoice_id = encode_id("Invoice", w["second"].id)
    body = await gql(
        """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
             invoice { number } errors { code field } } }""",
        {
            "input": {
                "invoiceId": invoice_id,
                "amount": "400.01",
                "paidOn": "2026-01-10",
                "method": "Cash",
            }
        },
        w["finance"].token,
    )
    assert body["data"]["recordPayment"]["errors"] == [
        {"code": "EXCEEDS_BALANCE", "field": ["input", "amount"]}
    ]
    zig = {"amount": "270", "currency": "ZWG", "rate": "0.0372"}
    body = await _receive(gql, w["finance"], w["student"], "10.00", received=zig)
    assert body["data"]["receivePayment"]["errors"][0]["field"] == ["input", "amount"]
    body = await _receive(gql, w["finance"], w["student"], "10.04", received=zig)
    payment = body["data"]["receivePayment"]["payment"]
    assert payment["receivedAmount"] == {"amount": "270.00", "currency": "ZWG"}
    assert payment["exchangeRate"] == "0.0372"
    assert await Payment.all().count() == 1
    await assert_money_exact()


async def test_a_viewer_may_read_but_not_move_money(gql: GraphQLClient, factory: Factory) -> None:
    w = await _world(factory)
    body = await _receive(gql, w["viewer"], w["student"], "10.00")
    assert [e["code"] for e in body["data"]["receivePayment"]["errors"]] == ["PERMISSION_DENIED"]
    body = await gql(
        """mutation($input: IssueCreditNoteInput!) { issueCreditNote(input: $input) {
             creditNote { number } errors { code } } }""",
        {
            "input": {
                "invoiceId": encode_id("Invoice", w["second"].id),
                "amount": "1.00",
                "reason": "No",
            }
        },
        w["viewer"].token,
    )
    assert [e["code"] for e in body["data"]["issueCreditNote"]["errors"]] == ["PERMISSION_DENIED"]
    assert await Payment.all().count() == 0
    await assert_money_exact()


async def test_receivables_age_what_is_owed(gql: GraphQLClient, factory: Factory) -> None:
    # given 600 due 2025-10-01 (paid 100 on 2026-01-10) and 400 due 2026-02-05
    w = await _world(factory)
    await _receive(gql, w["finance"], w["student"], "100.00")
    query = """query($as: Date) { schools { receivables(asOf: $as) { asOf total { amount }
        buckets { label invoiceCount amount { amount } }
        byGrade { grade { name } amount { amount } studentCount } } } }"""

    async def at(day: str) -> dict[str, Any]:
        body = await gql(query, {"as": day}, w["viewer"].token)
        result: dict[str, Any] = body["data"]["schools"][0]["receivables"]
        return result

    # on 2026-01-09 the payment is not made yet; the newer invoice is current
    early = await at("2026-01-09")
    assert early["total"]["amount"] == "1000.00"
    assert {b["label"]: (b["invoiceCount"], b["amount"]["amount"]) for b in early["buckets"]} == {
        "current": (1, "400.00"),
        "1-30": (0, "0.00"),
        "31-60": (0, "0.00"),
        "61-90": (0, "0.00"),
        "over-90": (1, "600.00"),
    }
    # on 2026-03-07 (30 days past 2026-02-05) both are past due, 100 paid
    late = await at("2026-03-07")
    buckets = {b["label"]: b["amount"]["amount"] for b in late["buckets"]}
    assert (buckets["1-30"], buckets["over-90"], late["total"]["amount"]) == (
        "400.00",
        "500.00",
        "900.00",
    )
    assert late["byGrade"] == [
        {"grade": {"name": "Grade 1"}, "amount": {"amount": "900.00"}, "studentCount": 1}
    ]
    await assert_money_exact()
