"""The SMS's short link: opens the invoice's PDF without a token, until altered or expired."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
from pypdf import PdfReader

from domain import share_links
from domain.gsm7 import SMS_SEPTETS, septets, to_gsm7
from domain.notices import Notice
from tests.billing_helpers import billed_invoice
from tests.factories import Factory


async def test_the_short_link_opens_the_pdf_and_nothing_else(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    _, _, invoice = await billed_invoice(factory)
    path = urlsplit(share_links.short_url(invoice.id)).path
    assert len(share_links.short_token(invoice.id)) <= 32
    response = await http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert invoice.number in text
    token = path.rsplit("/", 1)[1]
    pk, day, signature = token.split("-")
    other = share_links.short_token(invoice.id + 1).split("-", 1)[0]
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (f"{other}-{day}-{signature}", f"{pk}-{day}-{flipped}", "x", "--", "é-1-2"):
        assert (await http.get(f"/d/{bad}")).status_code == 404, bad
    later = datetime.now(UTC) + timedelta(days=share_links.LINK_DAYS + 2)
    assert share_links.verify_short(token) == invoice.id
    assert share_links.verify_short(token, now=later) is None
    metrics = (await http.get("/metrics")).text
    assert token not in metrics


def _notice(school: str, total: str, link: str, reminder: int | None = None) -> Notice:
    return Notice(
        school=school,
        number="INV-2026-000123",
        student="Amani Otieno",
        admission_number="ADM-1",
        guardian=None,
        term="Term 1",
        currency="KES",
        lines=(("Tuition", Decimal(total)),),
        total=Decimal(total),
        paid=Decimal("0"),
        due_date=date(2026, 2, 5),
        link=link,
        reminder_days=reminder,
    )


def test_an_sms_is_one_gsm7_message_that_keeps_amount_due_date_and_link() -> None:
    link = "https://billing.example-school-network.ac.ke/d/2n9c-k4f-AbCdEfGh_jKlMnOp"
    for school, reminder in (
        ("Hillside Academy", None),
        ("St. Mary’s “Kianda” Girls’ Secondary School and Junior Académie " * 3, 30),
        ("学校 {Braces} [brackets] €uro", None),
    ):
        text = _notice(school, "1234567.5", link, reminder).sms()
        assert text == to_gsm7(text), text
        assert septets(text) <= SMS_SEPTETS, (septets(text), text)
        assert "KES 1,234,567.50" in text
        assert "05 Feb 2026" in text
        assert text.endswith(link)
    assert _notice("Hillside Academy", "10", link).sms().startswith("Hillside Academy: Invoice")
    assert "Reminder" in _notice("Hillside", "10", link, 7).sms()
    assert to_gsm7("Mary’s – é ß 学") == "Mary's - é ß ?"
