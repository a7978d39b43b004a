"""Statements as guardians dispute against them: the ledger's own numbers, to the cent."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from api.ids import encode_id
from domain.invoices import record_payment
from domain.models import Family, Invoice, Payment, Student
from domain.money.credit_notes import issue_credit_note
from domain.money.family import receive_family_payment
from domain.money.opening import OpeningIn, set_opening_balances
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

STATEMENT = """query($id: ID!, $from: Date!, $to: Date!) { node(id: $id) {
  ... on Student { ledger { statement(from: $from, to: $to) { ...S } } }
  ... on Family { ledger { statement(from: $from, to: $to) { ...S } } } } }
fragment S on Statement {
  openingBalance { amount } totalInvoiced { amount } totalPaid { amount }
  totalCredited { amount } closingBalance { amount }
  entries { date kind reference debit { amount } credit { amount } balance { amount } } }"""

TOTALS = {
    "Balance brought forward": "openingBalance",
    "Invoiced": "totalInvoiced",
    "Paid": "totalPaid",
    "Credited": "totalCredited",
    "Closing balance": "closingBalance",
}


async def _owing_from_before(s: SchoolSet, admin: Actor) -> None:
    student = await Student.filter(school_id=s.school.id).order_by("admission_number").first()
    assert student is not None
    await set_opening_balances(
        admin.caller, s.school.id, date(2025, 12, 31), [OpeningIn(student.id, Decimal(3000))]
    )


async def _statement_pdf(
    http: httpx.AsyncClient, b: Billed, gid: str, start: str, end: str
) -> httpx.Response:
    path = f"/documents/statements/{gid}.pdf?from={start}&to={end}"
    return await get(http, path, b.viewer.token)


async def _api(gql: GraphQLClient, b: Billed, gid: str, start: str, end: str) -> dict[str, Any]:
    body = await gql(STATEMENT, {"id": gid, "from": start, "to": end}, b.admin.token)
    statement: dict[str, Any] = body["data"]["node"]["ledger"]["statement"]
    return statement


def _assert_same_as_api(text: str, api: dict[str, Any]) -> None:
    """Every entry of the API's statement printed in order (reference, amount, balance), and
    every total printed as the API says."""
    at = 0
    for entry in api["entries"]:
        moved = entry["debit"] or entry["credit"]
        row = re.compile(
            re.escape(entry["reference"])
            + r".*?"
            + re.escape(f"{kes(moved['amount'])} {kes(entry['balance']['amount'])}"),
            re.S,
        )
        found = row.search(text, at)
        assert found, (entry, text[at:])
        at = found.end()
    for label, field in TOTALS.items():
        assert printed(text, label) == Decimal(api[field]["amount"]), label


async def test_a_students_statement_is_the_ledgers_with_a_running_balance(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given a student owing 3,000.00 from before, invoiced, paying, credited, and a reversal
    b = await billed(factory, prepare=_owing_from_before)
    student = await Student.filter(school_id=b.s.school.id).order_by("admission_number").first()
    assert student is not None
    invoice = await Invoice.get(billing_run_id=b.run.id, student_id=student.id)
    await receive_payment(
        b.admin.caller, student.id, amount=Decimal(4000), paid_on=date(2026, 1, 12), method="Cash"
    )
    await issue_credit_note(
        b.admin.caller,
        invoice.id,
        amount=Decimal("250.50"),
        reason="Trip cancelled",
        issued_on=date(2026, 1, 20),
    )
    await record_payment(
        b.admin.caller, invoice.id, amount=Decimal(700), paid_on=date(2026, 2, 3), method="Cheque"
    )
    bounced = await Payment.get(student_id=student.id, method="Cheque")
    await reverse_payment(b.admin.caller, bounced.id, reason="Cheque bounced")
    gid = encode_id("Student", student.id)
    for start, end in (("2026-01-01", "2026-01-31"), ("2025-01-01", "2030-12-31")):
        # when its statement is downloaded for January, then for everything
        response = await _statement_pdf(http, b, gid, start, end)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert page_size(response.content) == A4
        text = "\n".join(pdf_text(response.content))
        api = await _api(gql, b, gid, start, end)
        # then it names the school and the student, and says what the ledger says
        for words in (
            "Riverside Academy",
            "STATEMENT",
            f"{student.first_name} {student.last_name}",
        ):
            assert words in text
        assert f"Admission no. {student.admission_number}" in text
        _assert_same_as_api(text, api)
    # and January opens on the debt from before and holds the invoice, payment and credit
    january = await _api(gql, b, gid, "2026-01-01", "2026-01-31")
    assert january["openingBalance"]["amount"] == "3000.00"
    assert [e["kind"] for e in january["entries"]] == ["INVOICE", "PAYMENT", "CREDIT_NOTE"]
    everything = await _api(gql, b, gid, "2025-01-01", "2030-12-31")
    reversal = everything["entries"][-1]
    assert (reversal["kind"], reversal["reference"]) == ("PAYMENT_REVERSAL", bounced.receipt_number)
    assert everything["entries"][0]["kind"] == "OPENING_BALANCE"


async def test_a_familys_statement_holds_its_students_and_each_family_payment_once(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given two billed siblings paid for together
    b = await billed(factory)
    students = await Student.filter(school_id=b.s.school.id).order_by("admission_number").limit(2)
    family = await Family.create(school=b.s.school, name="Wanjiru")
    await Student.filter(id__in=[s.id for s in students]).update(family_id=family.id)
    await receive_family_payment(
        b.admin.caller, family.id, amount=Decimal(5000), paid_on=date(2026, 1, 20), method="Cash"
    )
    gid = encode_id("Family", family.id)
    # when the family's statement is downloaded
    response = await _statement_pdf(http, b, gid, "2026-01-01", "2026-03-31")
    assert response.status_code == 200, response.text
    text = "\n".join(pdf_text(response.content))
    # then it is the family's, with both siblings, and the API's numbers
    api = await _api(gql, b, gid, "2026-01-01", "2026-03-31")
    assert "Wanjiru (family)" in text
    for s in students:
        assert f"{s.first_name} {s.last_name} · Adm. {s.admission_number}" in text
    assert [e["kind"] for e in api["entries"]] == ["INVOICE", "INVOICE", "PAYMENT"]
    _assert_same_as_api(text, api)


async def test_a_statements_period_must_be_two_days_in_order(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    b = await billed(factory)
    student = await Student.filter(school_id=b.s.school.id).first()
    assert student is not None
    gid = encode_id("Student", student.id)
    refused = {
        "?from=2026-13-01&to=2026-12-31": ("INVALID_INPUT", ["from"]),
        "?from=2026-01-01": ("INVALID_INPUT", ["to"]),
        "?from=1%20Jan%202026&to=2026-02-01": ("INVALID_INPUT", ["from"]),
        "?from=2026-03-01&to=2026-02-01": ("INVALID_DATE_RANGE", ["from"]),
        "?from=1990-01-01&to=2026-02-01": ("INVALID_INPUT", ["to"]),
    }
    for query, (code, field) in refused.items():
        response = await get(http, f"/documents/statements/{gid}.pdf{query}", b.admin.token)
        assert response.status_code == 400, query
        assert error_code(response) == code, query
        assert response.json()["errors"][0]["extensions"]["field"] == field, query
    # a caller who may not see the student learns nothing from a bad period either
    stranger = await get(http, f"/documents/statements/{gid}.pdf?from=x", b.stranger.token)
    assert stranger.status_code == 404


async def test_a_statement_needs_a_token_and_is_not_found_outside_the_callers_schools(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    b = await billed(factory)
    student = await Student.filter(school_id=b.s.school.id).first()
    assert student is not None
    family = await Family.create(school=b.s.school, name="Otieno")
    period = "?from=2026-01-01&to=2026-01-31"
    for gid in (encode_id("Student", student.id), encode_id("Family", family.id)):
        path = f"/documents/statements/{gid}.pdf{period}"
        anonymous = await get(http, path)
        assert anonymous.status_code == 401 and error_code(anonymous) == "UNAUTHENTICATED"
        stranger = await get(http, path, b.stranger.token)
        assert stranger.status_code == 404 and error_code(stranger) == "NOT_FOUND"
        assert (await get(http, path, b.viewer.token)).status_code == 200
    never = ("nonsense", encode_id("Invoice", 1), encode_id("Student", 2**30))
    for garbage in never:
        response = await get(http, f"/documents/statements/{garbage}.pdf{period}", b.admin.token)
        assert response.status_code == 404, garbage
        assert error_code(response) == "NOT_FOUND"
