"""Invoices over GraphQL: the list and its filters, node, payments, cancelling, sending."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from api.ids import encode_id
from domain.models import Invoice, InvoiceStatus, Payment, Student
from domain.models.notifications import InvoiceDelivery
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.world import World, build_world

LIST = """
query($schoolId: ID!, $filter: InvoiceFilter, $first: Int, $after: String) {
  invoices(schoolId: $schoolId, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { number } }
  }
}"""

PAY = """
mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    invoice { status amountPaid { amount } balance { amount currency }
              payments { amount { amount } method reference paidOn } }
    errors { field code message }
  }
}"""

CANCEL = """
mutation($input: CancelInvoiceInput!) {
  cancelInvoice(input: $input) {
    invoice { status cancellationReason isOverdue }
    errors { field code }
  }
}"""

SEND = """
mutation($ids: [ID!]!) {
  sendInvoices(input: {invoiceIds: $ids}) {
    invoices { number status sentAt deliveries { channel status recipient } }
    errors { field code }
  }
}"""


async def _world(factory: Factory, n: int = 3) -> World:
    """Alpha with `n` students, an invoice each, and the people around it."""
    return await build_world(factory, students=n, invoices=True)


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


async def _numbers(gql: GraphQLClient, w: World, **variables: Any) -> list[str]:
    body = await gql(LIST, {"schoolId": gid("School", w.s.school.id), **variables}, w.finance.token)
    assert "errors" not in body, body
    return [e["node"]["number"] for e in body["data"]["invoices"]["edges"]]


async def test_an_invoice_reads_whole(gql: GraphQLClient, factory: Factory) -> None:
    # given an invoice with a payment
    w = await _world(factory, 1)
    invoice, student = w.invoices[0], w.students[0]
    await Payment.create(
        invoice=invoice, amount=Decimal("500.25"), paid_on=date(2026, 1, 9), method="Cash"
    )
    await Invoice.filter(id=invoice.id).update(
        amount_paid=Decimal("500.25"), status=InvoiceStatus.PARTIALLY_PAID
    )
    # when
    body = await gql(
        """query($id: ID!) { node(id: $id) { ... on Invoice {
            number status isOverdue invoiceDate dueDate sentAt cancelledAt cancellationReason
            school { name } student { admissionNumber schoolClass { name } }
            term { name } feeStructure { name } billingRun { id }
            lines { description amount { amount currency } }
            total { amount currency } amountPaid { amount } balance { amount }
            payments { amount { amount currency } paidOn method reference }
            deliveries { channel }
        } } }""",
        {"id": gid("Invoice", invoice.id)},
        w.finance.token,
    )
    # then (2026-02-05 is long past: the balance is overdue)
    assert body == {
        "data": {
            "node": {
                "number": invoice.number,
                "status": "PARTIALLY_PAID",
                "isOverdue": date.today() > date(2026, 2, 5),
                "invoiceDate": "2026-01-05",
                "dueDate": "2026-02-05",
                "sentAt": None,
                "cancelledAt": None,
                "cancellationReason": None,
                "school": {"name": w.s.school.name},
                "student": {
                    "admissionNumber": student.admission_number,
                    "schoolClass": {"name": w.s.classes[0].name},
                },
                "term": {"name": "Term 1 2026"},
                "feeStructure": {"name": "Term Tuition Fee"},
                "billingRun": None,
                "lines": [
                    {"description": "Tuition", "amount": {"amount": "15000.00", "currency": "KES"}},
                    {"description": "Lunch", "amount": {"amount": "4500.50", "currency": "KES"}},
                ],
                "total": {"amount": "19500.50", "currency": "KES"},
                "amountPaid": {"amount": "500.25"},
                "balance": {"amount": "19000.25"},
                "payments": [
                    {
                        "amount": {"amount": "500.25", "currency": "KES"},
                        "paidOn": "2026-01-09",
                        "method": "Cash",
                        "reference": None,
                    }
                ],
                "deliveries": [],
            }
        }
    }


async def test_node_resolves_invoices_and_payments_only_for_their_school(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory, 1)
    payment = await Payment.create(
        invoice=w.invoices[0], amount=Decimal("1.00"), paid_on=date(2026, 1, 9), method="Card"
    )
    query = "query($id: ID!) { node(id: $id) { id } }"
    for type_name, pk in (("Invoice", w.invoices[0].id), ("Payment", payment.id)):
        mine = await gql(query, {"id": gid(type_name, pk)}, w.viewer.token)
        assert mine == {"data": {"node": {"id": gid(type_name, pk)}}}
        theirs = await gql(query, {"id": gid(type_name, pk)}, w.stranger.token)
        assert theirs == {"data": {"node": None}}


async def test_list_is_newest_first_paginated_and_counted(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory, 5)
    newest_first = [i.number for i in reversed(w.invoices)]
    body = await gql(LIST, {"schoolId": gid("School", w.s.school.id), "first": 2}, w.viewer.token)
    page = body["data"]["invoices"]
    assert page["totalCount"] == 5
    assert page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["number"] for e in page["edges"]] == newest_first[:2]
    rest = await _numbers(gql, w, first=10, after=page["pageInfo"]["endCursor"])
    assert rest == newest_first[2:]


async def test_list_filters(gql: GraphQLClient, factory: Factory) -> None:
    # given five invoices: one paid, one overdue only by its due date
    w = await _world(factory, 5)
    a, b, c, d, e = w.invoices
    await Invoice.filter(id=b.id).update(status=InvoiceStatus.PAID)
    await Invoice.filter(id__in=[c.id, d.id, e.id]).update(due_date=date(2999, 1, 1))
    # then
    assert await _numbers(gql, w, filter={"statuses": ["PAID"]}) == [b.number]
    assert await _numbers(gql, w, filter={"overdue": True}) == [a.number]
    assert await _numbers(gql, w, filter={"studentId": gid("Student", w.students[2].id)}) == [
        c.number
    ]
    # classes 0..3 alternate grades (2 streams each): students 0, 1, 4 are in grade 1
    grade1 = gid("Grade", w.s.grades[0].id)
    assert await _numbers(gql, w, filter={"gradeId": grade1}) == [e.number, b.number, a.number]
    klass = gid("SchoolClass", w.s.classes[0].id)
    assert await _numbers(gql, w, filter={"schoolClassId": klass}) == [e.number, a.number]
    assert await _numbers(gql, w, filter={"search": w.students[3].last_name.upper()}) == [d.number]
    assert await _numbers(gql, w, filter={"search": d.number}) == [d.number]
    assert len(await _numbers(gql, w, filter={"termId": gid("Term", w.s.term.id)})) == 5
    assert await _numbers(gql, w, filter={"termId": gid("Grade", w.s.term.id)}) == []
    assert await _numbers(gql, w, filter={"billingRunId": gid("BillingRun", 1)}) == []
    assert await _numbers(gql, w, filter={"feeStructureId": gid("FeeStructure", w.s.fee.id)})


async def test_list_of_a_foreign_school_is_not_found_and_first_is_capped(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory, 1)
    body = await gql(LIST, {"schoolId": gid("School", w.s.school.id)}, w.stranger.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await gql(
        LIST, {"schoolId": gid("School", w.s.school.id), "first": 101}, w.finance.token
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_student_invoices(gql: GraphQLClient, factory: Factory) -> None:
    w = await _world(factory, 2)
    body = await gql(
        """query($id: ID!) { node(id: $id) { ... on Student {
            invoices(first: 5) { totalCount edges { node { number } } } } } }""",
        {"id": gid("Student", w.students[1].id)},
        w.viewer.token,
    )
    assert body == {
        "data": {
            "node": {
                "invoices": {
                    "totalCount": 1,
                    "edges": [{"node": {"number": w.invoices[1].number}}],
                }
            }
        }
    }


async def test_record_payment_partial_then_paid(gql: GraphQLClient, factory: Factory) -> None:
    w = await _world(factory, 1)
    pay = {
        "invoiceId": gid("Invoice", w.invoices[0].id),
        "paidOn": "2026-01-10",
        "method": "Bank transfer",
        "reference": "TRX-1",
    }
    body = await gql(PAY, {"input": {**pay, "amount": "19000.00"}}, w.finance.token)
    assert body["data"]["recordPayment"] == {
        "invoice": {
            "status": "PARTIALLY_PAID",
            "amountPaid": {"amount": "19000.00"},
            "balance": {"amount": "500.50", "currency": "KES"},
            "payments": [
                {
                    "amount": {"amount": "19000.00"},
                    "method": "Bank transfer",
                    "reference": "TRX-1",
                    "paidOn": "2026-01-10",
                }
            ],
        },
        "errors": [],
    }
    body = await gql(PAY, {"input": {**pay, "amount": "500.50"}}, w.finance.token)
    assert body["data"]["recordPayment"]["invoice"]["status"] == "PAID"
    assert body["data"]["recordPayment"]["invoice"]["balance"]["amount"] == "0.00"


@pytest.mark.parametrize(
    ("amount", "code"),
    [("-1", "INVALID_INPUT"), ("0.001", "INVALID_INPUT"), ("19500.51", "INVALID_INPUT")],
)
async def test_record_payment_refuses_bad_amounts(
    gql: GraphQLClient, factory: Factory, amount: str, code: str
) -> None:
    w = await _world(factory, 1)
    inp = {
        "invoiceId": gid("Invoice", w.invoices[0].id),
        "amount": amount,
        "paidOn": "2026-01-10",
        "method": "Cash",
    }
    body = await gql(PAY, {"input": inp}, w.finance.token)
    assert body["data"]["recordPayment"]["invoice"] is None
    assert [(e["field"], e["code"]) for e in body["data"]["recordPayment"]["errors"]] == [
        (["input", "amount"], code)
    ]
    assert await Payment.all().count() == 0


async def test_refusals_change_nothing(gql: GraphQLClient, factory: Factory) -> None:
    # given an invoice, a viewer of its school, an admin of another account
    w = await _world(factory, 2)
    paid, cancelled = w.invoices
    inp = {"amount": "10", "paidOn": "2026-01-10", "method": "Cash"}
    cases = [
        (w.viewer, PAY, {**inp, "invoiceId": gid("Invoice", paid.id)}, "PERMISSION_DENIED"),
        (w.stranger, PAY, {**inp, "invoiceId": gid("Invoice", paid.id)}, "NOT_FOUND"),
        (w.finance, PAY, {**inp, "invoiceId": gid("Student", paid.id)}, "NOT_FOUND"),
        (
            w.viewer,
            CANCEL,
            {"invoiceId": gid("Invoice", paid.id), "reason": "x"},
            "PERMISSION_DENIED",
        ),
        (w.stranger, CANCEL, {"invoiceId": gid("Invoice", paid.id), "reason": "x"}, "NOT_FOUND"),
        (w.viewer, SEND, None, "PERMISSION_DENIED"),
    ]
    for who, op, value, code in cases:
        if value is None:
            body = await gql(op, {"ids": [gid("Invoice", paid.id)]}, who.token)
            errors = body["data"]["sendInvoices"]["errors"]
        else:
            body = await gql(op, {"input": value}, who.token)
            errors = next(iter(body["data"].values()))["errors"]
        assert [e["code"] for e in errors] == [code], (who, op, body)
    # then nothing was written
    assert await Payment.all().count() == 0
    assert await InvoiceDelivery.all().count() == 0
    rows = await Invoice.filter(id__in=[paid.id, cancelled.id]).values_list("status", "sent_at")
    assert sorted(rows) == [(InvoiceStatus.ISSUED, None)] * 2


async def test_cancel_then_pay_is_invalid_state_and_paid_cannot_be_cancelled(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory, 2)
    first, second = (gid("Invoice", i.id) for i in w.invoices)
    body = await gql(
        CANCEL, {"input": {"invoiceId": first, "reason": "Duplicate"}}, w.finance.token
    )
    assert body["data"]["cancelInvoice"] == {
        "invoice": {"status": "CANCELLED", "cancellationReason": "Duplicate", "isOverdue": False},
        "errors": [],
    }
    inp = {"amount": "10", "paidOn": "2026-01-10", "method": "Cash"}
    body = await gql(PAY, {"input": {**inp, "invoiceId": first}}, w.finance.token)
    assert body["data"]["recordPayment"]["errors"][0]["code"] == "INVALID_STATE"
    await gql(PAY, {"input": {**inp, "invoiceId": second}}, w.finance.token)
    body = await gql(CANCEL, {"input": {"invoiceId": second, "reason": "Oops"}}, w.finance.token)
    assert body["data"]["cancelInvoice"] == {
        "invoice": None,
        "errors": [{"field": None, "code": "INVALID_STATE"}],
    }
    body = await gql(CANCEL, {"input": {"invoiceId": second, "reason": "  "}}, w.finance.token)
    assert body["data"]["cancelInvoice"]["errors"] == [
        {"field": ["input", "reason"], "code": "INVALID_INPUT"}
    ]


async def test_send_invoices_marks_sent_and_reports_deliveries(
    gql: GraphQLClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given e-mail configured and a dispatch that records instead of enqueueing
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.delenv("SMS_GATEWAY_URL", raising=False)
    from api.mutations import invoices as mutations
    from domain.settings import get_settings

    get_settings.cache_clear()
    queued: list[int] = []

    async def record(ids: list[int]) -> None:
        queued.extend(ids)

    monkeypatch.setattr(mutations, "dispatch_notices", record)
    w = await _world(factory, 2)
    await Student.filter(id=w.students[1].id).update(guardian_email=None)
    try:
        body = await gql(SEND, {"ids": [gid("Invoice", i.id) for i in w.invoices]}, w.finance.token)
    finally:
        get_settings.cache_clear()
    # then
    result = body["data"]["sendInvoices"]
    assert result["errors"] == []
    assert [(i["number"], i["status"]) for i in result["invoices"]] == [
        (i.number, "SENT") for i in w.invoices
    ]
    assert all(i["sentAt"] for i in result["invoices"])
    assert [i["deliveries"] for i in result["invoices"]] == [
        [{"channel": "EMAIL", "status": "QUEUED", "recipient": w.students[0].guardian_email}],
        [{"channel": "EMAIL", "status": "NO_CONTACT", "recipient": None}],
    ]
    assert queued == [w.invoices[0].id]


async def test_send_invoices_refuses_cancelled_ids_by_index(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory, 2)
    await Invoice.filter(id=w.invoices[1].id).update(status=InvoiceStatus.CANCELLED)
    ids = [gid("Invoice", i.id) for i in w.invoices] + ["bm9wZQ"]
    body = await gql(SEND, {"ids": ids}, w.finance.token)
    assert body["data"]["sendInvoices"] == {
        "invoices": [],
        "errors": [{"field": ["input", "invoiceIds", "2"], "code": "NOT_FOUND"}],
    }
    body = await gql(SEND, {"ids": ids[:2]}, w.finance.token)
    assert body["data"]["sendInvoices"]["errors"] == [
        {"field": ["input", "invoiceIds", "1"], "code": "INVALID_STATE"}
    ]
    assert (await Invoice.get(id=w.invoices[0].id)).status == InvoiceStatus.ISSUED
