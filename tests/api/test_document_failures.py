"""A document that cannot be typeset answers 503 with a code and leaves a trace, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
import pytest

from adapters.pdf import TypstInvoiceRenderer
from api.app import create_app
from api.ids import encode_id
from domain import share_links
from domain.invoice_documents import DocumentBundle, InvoiceSheet
from tests.billing_helpers import billed_invoice
from tests.factories import Factory


class BrokenRenderer:
    """A renderer whose typesetting fails, as a broken template or font would."""

    async def render(self, sheets: Sequence[InvoiceSheet]) -> bytes:
        raise RuntimeError("typst: unknown variable: oops")

    def bundle(self) -> DocumentBundle:
        return TypstInvoiceRenderer(threads=1).bundle()


async def test_a_render_failure_is_a_logged_503_with_a_code_on_every_route(
    factory: Factory, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin, run, invoice = await billed_invoice(factory)
    app = create_app(manage_runtime=False)
    app.state.invoice_renderer = BrokenRenderer()
    signed = share_links.sign_invoice(invoice.id)
    invoice_path = f"/documents/invoices/{encode_id('Invoice', invoice.id)}.pdf"
    paths = [
        (invoice_path, admin.token),
        (f"{invoice_path}?expires={signed.expires}&signature={signed.signature}", None),
        (f"/documents/billing-runs/{encode_id('BillingRun', run.id)}.pdf", admin.token),
    ]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        for path, token in paths:
            caplog.clear()
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            with caplog.at_level(logging.ERROR, logger="billing.api"):
                response = await http.get(path, headers=headers)
            assert response.status_code == 503, path
            assert response.headers["retry-after"].isdigit()
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] == "DOCUMENT_UNAVAILABLE"
            assert "oops" not in response.text  # the fault stays in the log
            traced = [r for r in caplog.records if r.exc_info]
            assert traced and "oops" in str(traced[0].exc_info[1]), path
