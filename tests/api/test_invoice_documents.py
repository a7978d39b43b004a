"""Invoice PDFs as guardians get them: read back as text, checked against the API to the cent."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from api.ids import encode_id
from domain import share_links
from domain.invoices import cancel_invoice, record_payment
from domain.models import DiscountKind, Invoice, Student
from domain.money.credit_notes import issue_credit_note
from domain.money.opening import OpeningIn, set_opening_balances
from domain.pricing.discounts import assign_discount, create_discount
from tests.api.pdf_helpers import A4, Billed, billed, get, page_size, pdf_text, printed
from tests.api.pdf_helpers import kes as _kes
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet

INVOICES = """
query($schoolId: ID!) {
  invoices(schoolId: $schoolId, first: 100) { edges { node {
    id number status shareUrl total { amount } amountPaid { amount } balance { amount }
    grossAmount { amount } discountAmount { amount } creditedAmount { amount }
    previousBalance { amount }
    student { fullName admissionNumber schoolClass { name } }
    lines { description amount { amount } }
  } } }
}"""


async def _api_invoices(gql: GraphQLClient, b: Billed) -> list[dict[str, Any]]:
    body = await gql(INVOICES, {"schoolId": encode_id("School", b.s.school.id)}, b.admin.token)
    return [e["node"] for e in body["data"]["invoices"]["edges"]]


async def _owing_with_a_bursary(s: SchoolSet, admin: Actor) -> None:
    """The first student owes 3,000.00 from before and has a 1,000.00 bursary."""
    student = await Student.filter(school_id=s.school.id).order_by("admission_number").first()
    assert student is not None
    await set_opening_balances(
        admin.caller, s.school.id, date(2025, 12, 31), [OpeningIn(student.id, Decimal(3000))]
    )
    bursary = await create_discount(
        admin.caller,
        school_id=s.school.id,
        name="Bursary",
        kind=DiscountKind.FIXED_AMOUNT,
        value=Decimal("1000.00"),
    )
    await assign_discount(
        admin.caller, discount_id=bursary.id, student_ids=[student.id], from_term_id=s.term.id
    )


async def test_invoice_pdf_says_everything_a_guardian_needs(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given an invoice with a discount, a debt brought forward, a partial payment and credit
    b = await billed(factory, prepare=_owing_with_a_bursary)
    student = await Student.filter(school_id=b.s.school.id).order_by("admission_number").first()
    invoice = await Invoice.get(billing_run_id=b.run.id, student_id=student.id)  # type: ignore[union-attr]
    await record_payment(
        b.admin.caller,
        invoice.id,
        amount=Decimal("5000.25"),
        paid_on=date(2026, 1, 9),
        method="Cash",
    )
    await issue_credit_note(b.admin.caller, invoice.id, amount=Decimal("250.50"), reason="Trip")
    api = next(i for i in await _api_invoices(gql, b) if i["number"] == invoice.number)
    # when a VIEWER of the school downloads it
    response = await get(http, f"/documents/invoices/{api['id']}.pdf", b.viewer.token)
    # then it is one A4 page of PDF
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pages = pdf_text(response.content)
    assert len(pages) == 1
    assert page_size(response.content) == A4
    # and its text holds the school's profile, the invoice, the student and the money
    text = pages[0]
    expected = [
        "Riverside Academy",
        "P.O. Box 1234-00100",
        "Nairobi",
        "+254 712 345678",
        "bursar@riverside.example.org",
        invoice.number,
        "5 January 2026",
        "5 February 2026",
        "Term 1 2026",
        api["student"]["fullName"],
        api["student"]["admissionNumber"],
        api["student"]["schoolClass"]["name"],
        "PARTLY PAID",
        "M-Pesa Paybill 123456, account: admission number",
        f"Bursary {_kes('-1000')}",  # a discount prints as a negative line
    ]
    expected += [f"{line['description']} {_kes(line['amount']['amount'])}" for line in api["lines"]]
    missing = [e for e in expected if e not in text]
    assert not missing, (missing, text)
    # and every total is the API's, to the cent
    fields = {
        "Charges": "grossAmount",
        "Discounts": "discountAmount",
        "Total": "total",
        "Amount paid": "amountPaid",
        "Credited": "creditedAmount",
        "Balance due": "balance",
        "Balance brought forward": "previousBalance",
    }
    for label, field in fields.items():
        assert printed(text, label) == Decimal(api[field]["amount"]), label
    assert api["discountAmount"]["amount"] == "1000.00"
    assert api["previousBalance"]["amount"] == "3000.00"
    assert api["creditedAmount"]["amount"] == "250.50"
    due = Decimal(api["balance"]["amount"]) + Decimal(api["previousBalance"]["amount"])
    assert printed(text, "Total due") == due


async def test_template_syntax_in_a_name_prints_as_written(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    # given a student whose name is Typst markup and code
    b = await billed(factory)
    invoice = await Invoice.filter(billing_run_id=b.run.id).order_by("number").first()
    assert invoice is not None
    await Student.filter(id=invoice.student_id).update(
        first_name="#set page(width: 1pt)", last_name="*bold* $x$ <l> @r \\ ]"
    )
    # when the invoice is printed
    response = await get(
        http, f"/documents/invoices/{encode_id('Invoice', invoice.id)}.pdf", b.admin.token
    )
    # then the page is still A4 and the name reads exactly as stored
    assert page_size(response.content) == A4
    assert "#set page(width: 1pt) *bold* $x$ <l> @r \\ ]" in pdf_text(response.content)[0]


async def test_documents_need_a_token_and_answer_404_for_what_the_caller_may_not_see(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    b = await billed(factory)
    invoice = await Invoice.filter(billing_run_id=b.run.id).first()
    assert invoice is not None
    invoice_path = f"/documents/invoices/{encode_id('Invoice', invoice.id)}.pdf"
    run_path = f"/documents/billing-runs/{encode_id('BillingRun', b.run.id)}.pdf"
    for path in (invoice_path, run_path):
        anonymous = await get(http, path)
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        stranger = await get(http, path, b.stranger.token)
        assert stranger.status_code == 404
        assert stranger.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for garbage in (
        "nonsense",
        encode_id("Student", invoice.student_id),
        encode_id("Invoice", 2**62),
    ):
        response = await get(http, f"/documents/invoices/{garbage}.pdf", b.admin.token)
        assert response.status_code == 404, garbage


async def test_run_pdf_holds_every_live_invoice_in_number_order_with_the_apis_totals(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given a run of 8 invoices, one of them cancelled
    b = await billed(factory, per_class=2)
    invoices = await Invoice.filter(billing_run_id=b.run.id).order_by("number")
    assert len(invoices) == 8
    await cancel_invoice(b.admin.caller, invoices[3].id, reason="Billed twice")
    live = await _api_invoices(gql, b)
    live = sorted((i for i in live if i["status"] != "CANCELLED"), key=lambda i: i["number"])
    # when the run's document is downloaded
    path = f"/documents/billing-runs/{encode_id('BillingRun', b.run.id)}.pdf"
    response = await get(http, path, b.viewer.token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    # then each live invoice is one page, in number order, with the API's total and balance
    pages = pdf_text(response.content)
    numbers = [re.search(r"INV-\d{4}-\d{6}", p).group(0) for p in pages]  # type: ignore[union-attr]
    assert numbers == [i["number"] for i in live]
    assert invoices[3].number not in numbers
    for page, api in zip(pages, live, strict=True):
        assert f"Total {_kes(api['total']['amount'])}" in page
        assert f"Balance due {_kes(api['balance']['amount'])}" in page
    # and the printed totals add up to the run's total, to the cent
    printed = sum(
        Decimal(re.search(r"Total KES ([\d,]+\.\d\d)", p).group(1).replace(",", ""))  # type: ignore[union-attr]
        for p in pages
    )
    assert printed == sum(Decimal(i["total"]["amount"]) for i in live)


async def test_share_url_opens_the_pdf_without_a_token_until_altered_or_expired(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given an invoice's share link
    b = await billed(factory)
    api = (await _api_invoices(gql, b))[0]
    url = urlsplit(api["shareUrl"])
    assert url.path == f"/documents/invoices/{api['id']}.pdf"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    # when it is opened without a token, it is the invoice's PDF
    response = await http.get(url.path, params=query)
    assert response.status_code == 200, response.text
    assert api["number"] in pdf_text(response.content)[0]
    # and it expires in 60 to 61 days
    expires = datetime.fromtimestamp(int(query["expires"]), UTC)
    assert timedelta(days=60) <= expires - datetime.now(UTC) <= timedelta(days=61)
    # when any part is altered, it opens nothing
    other = await Invoice.exclude(number=api["number"]).first()
    assert other is not None
    flipped = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    altered = [
        (url.path, {**query, "signature": flipped}),
        (url.path, {**query, "expires": str(int(query["expires"]) + 86400)}),
        (url.path, {"expires": query["expires"]}),
        (f"/documents/invoices/{encode_id('Invoice', other.id)}.pdf", query),
    ]
    for path, params in altered:
        refused = await http.get(path, params=params)
        assert refused.status_code == 404, (path, params)
        assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # and a link signed 62 days ago has expired
    invoice = await Invoice.get(number=api["number"])
    old = share_links.sign_invoice(invoice.id, now=datetime.now(UTC) - timedelta(days=62))
    expired = await http.get(url.path, params={"expires": old.expires, "signature": old.signature})
    assert expired.status_code == 404


async def test_production_without_a_secret_key_refuses_to_start(tmp_path: Any) -> None:
    from domain.settings import Settings

    for shape in (
        {"database_url": "postgres://db/billing"},
        {"database_url": f"sqlite://{tmp_path}/x.sqlite3", "redis_url": "redis://r:6379/0"},
    ):
        try:
            share_links.load_secret_key(Settings(billing_secret_key=None, **shape))
        except share_links.MissingSecretKey:
            continue
        raise AssertionError(f"started without a key: {shape}")
    # embedded, a key is generated once beside the database and kept
    embedded = Settings(billing_secret_key=None, database_url=f"sqlite://{tmp_path}/x.sqlite3")
    first = share_links.load_secret_key(embedded)
    assert len(first) >= 32
    assert share_links.load_secret_key(embedded) == first
    assert (tmp_path / "x.sqlite3.key").stat().st_mode & 0o077 == 0


async def test_document_requests_are_counted_per_kind_not_per_id(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    # given two invoices downloaded
    b = await billed(factory)
    ids = [encode_id("Invoice", i.id) for i in await Invoice.filter(billing_run_id=b.run.id)]
    for gid in ids[:2]:
        assert (await get(http, f"/documents/invoices/{gid}.pdf", b.admin.token)).status_code == 200
    # then the metrics name the kind of document, never an id (bounded label values)
    metrics = (await http.get("/metrics")).text
    assert 'path="/documents/invoices"' in metrics
    assert not any(gid in metrics for gid in ids)
