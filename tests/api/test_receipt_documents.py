"""Receipts as payers keep them: read back as text, and checked against the API to the cent."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from api.ids import encode_id
from domain.models import Family, Invoice, Payment, Student
from domain.money.family import receive_family_payment
from domain.money.opening import OpeningIn, set_opening_balances
from domain.money.payment_input import Foreign
from domain.money.payments import receive_payment, reverse_payment
from tests.api.pdf_helpers import (
    A4,
    Billed,
    billed,
    error_code,
    get,
    kes,
    page_size,
    pdf_text,
    printed,
)
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet

PAYMENT = """query($id: ID!) { node(id: $id) { ... on Payment {
  receiptNumber amount { amount } unallocatedAmount { amount } reversedAt
  allocations { amount { amount } invoice { number } student { fullName } } } } }"""


async def _first_student(b: Billed) -> tuple[Student, Invoice]:
    student = await Student.filter(school_id=b.s.school.id).order_by("admission_number").first()
    assert student is not None
    return student, await Invoice.get(billing_run_id=b.run.id, student_id=student.id)


async def _owing_from_before(s: SchoolSet, admin: Actor) -> None:
    student = await Student.filter(school_id=s.school.id).order_by("admission_number").first()
    assert student is not None
    await set_opening_balances(
        admin.caller, s.school.id, date(2025, 12, 31), [OpeningIn(student.id, Decimal(3000))]
    )


async def _receipt(http: httpx.AsyncClient, b: Billed, payment: Payment) -> str:
    path = f"/documents/receipts/{encode_id('Payment', payment.id)}.pdf"
    response = await get(http, path, b.viewer.token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert page_size(response.content) == A4
    pages = pdf_text(response.content)
    assert len(pages) == 1
    return pages[0]


async def _api(gql: GraphQLClient, b: Billed, payment: Payment) -> dict[str, Any]:
    body = await gql(PAYMENT, {"id": encode_id("Payment", payment.id)}, b.admin.token)
    node: dict[str, Any] = body["data"]["node"]
    return node


def _printed_allocations(text: str) -> list[tuple[str, Decimal]]:
    """(invoice number or "Opening balance", amount) of each allocation row printed."""
    rows = re.findall(r"(INV-\d{4}-\d{6}|Opening balance) .*? KES ([\d,]+\.\d\d)", text)
    return [(number, Decimal(amount.replace(",", ""))) for number, amount in rows]


async def test_a_receipt_shows_the_payer_the_debts_paid_and_the_credit_left(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given a student owing 3,000.00 from before and an invoice, who pays both and 500.00 more
    b = await billed(factory, prepare=_owing_from_before)
    student, invoice = await _first_student(b)
    amount = Decimal(3000) + Decimal(invoice.total) + Decimal("500.00")
    payment = await receive_payment(
        b.admin.caller,
        student.id,
        amount=amount,
        paid_on=date(2026, 1, 12),
        method="Bank transfer",
        reference="SLIP-0077",
    )
    api = await _api(gql, b, payment)
    # when a VIEWER downloads its receipt
    text = await _receipt(http, b, payment)
    # then it names the school, the receipt, the payer and how the money came
    expected = [
        "Riverside Academy",
        "P.O. Box 1234-00100",
        "+254 712 345678",
        "RECEIPT",
        api["receiptNumber"],
        "12 January 2026",
        f"{student.first_name} {student.last_name}",
        f"Admission no. {student.admission_number}",
        "Recorded by the school",
        "Bank transfer",
        "SLIP-0077",
        f"Amount received {kes(amount)}",
    ]
    missing = [e for e in expected if e not in text]
    assert not missing, (missing, text)
    assert "REVERSED" not in text
    # and its allocations are the API's, in its order, to the cent
    from_api = [
        ((a["invoice"] or {}).get("number", "Opening balance"), Decimal(a["amount"]["amount"]))
        for a in api["allocations"]
    ]
    assert _printed_allocations(text) == from_api
    assert from_api == [("Opening balance", Decimal(3000)), (invoice.number, invoice.total)]
    assert printed(text, "Allocated") == sum(a for _, a in from_api)
    assert printed(text, "Credit left") == Decimal(api["unallocatedAmount"]["amount"]) == 500


async def test_a_foreign_payment_shows_both_amounts_and_a_reversal_says_so(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given 100.00 US dollars received at 129.50 shillings each, then reversed
    b = await billed(factory)
    student, invoice = await _first_student(b)
    payment = await receive_payment(
        b.admin.caller,
        student.id,
        amount=Decimal("12950.00"),
        paid_on=date(2026, 1, 15),
        method="Cash",
        foreign=Foreign(Decimal("100.00"), "USD", Decimal("129.50")),
    )
    paid = await _receipt(http, b, payment)
    await reverse_payment(b.admin.caller, payment.id, reason="Counterfeit notes")
    # when the receipt is printed before and after
    reversed_ = await _receipt(http, b, payment)
    api = await _api(gql, b, payment)
    # then both show the amount in shillings and what was handed over, with the rate
    for text in (paid, reversed_):
        assert f"Amount received {kes('12950.00')}" in text
        assert "US$ 100.00 at 1 USD = 129.5 KES" in text
    assert printed(paid, "Allocated") == min(Decimal("12950.00"), invoice.total)
    # and once reversed, it says so and holds no allocation (as the API)
    today = datetime.now(UTC).date()
    assert f"REVERSED on {today.day} {today:%B %Y}: Counterfeit notes" in reversed_
    assert api["reversedAt"] is not None and api["allocations"] == []
    assert _printed_allocations(reversed_) == []
    assert printed(reversed_, "Allocated") == 0


async def test_a_family_receipt_names_the_family_and_each_student_paid_for(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given two billed siblings paid for together, not quite in full
    b = await billed(factory)
    students = await Student.filter(school_id=b.s.school.id).order_by("admission_number").limit(2)
    family = await Family.create(school=b.s.school, name="Wanjiru")
    await Student.filter(id__in=[s.id for s in students]).update(family_id=family.id)
    invoices = await Invoice.filter(student_id__in=[s.id for s in students])
    owed = sum((Decimal(i.total) for i in invoices), Decimal(0))
    payment = await receive_family_payment(
        b.admin.caller,
        family.id,
        amount=owed - Decimal("0.01"),
        paid_on=date(2026, 1, 20),
        method="M-Pesa",
    )
    api = await _api(gql, b, payment)
    # when its receipt is printed
    text = await _receipt(http, b, payment)
    # then the family pays, each sibling is named, and every allocation is the API's
    assert "Wanjiru (family)" in text
    for s in students:
        assert f"{s.first_name} {s.last_name} · Adm. {s.admission_number}" in text
    from_api = [
        (a["invoice"]["number"], Decimal(a["amount"]["amount"])) for a in api["allocations"]
    ]
    assert _printed_allocations(text) == from_api
    assert sum(a for _, a in from_api) == owed - Decimal("0.01")
    assert all(a["student"]["fullName"] in text for a in api["allocations"])
    assert printed(text, "Credit left") == 0


async def test_a_receipt_needs_a_token_and_is_not_found_outside_the_callers_schools(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    b = await billed(factory)
    student, _ = await _first_student(b)
    payment = await receive_payment(
        b.admin.caller, student.id, amount=Decimal(10), paid_on=date(2026, 1, 9), method="Cash"
    )
    path = f"/documents/receipts/{encode_id('Payment', payment.id)}.pdf"
    anonymous = await get(http, path)
    assert anonymous.status_code == 401 and error_code(anonymous) == "UNAUTHENTICATED"
    stranger = await get(http, path, b.stranger.token)
    assert stranger.status_code == 404 and error_code(stranger) == "NOT_FOUND"
    for garbage in ("nonsense", encode_id("Student", student.id), encode_id("Payment", 2**62)):
        response = await get(http, f"/documents/receipts/{garbage}.pdf", b.admin.token)
        assert response.status_code == 404, garbage
        assert response.json() == stranger.json()
