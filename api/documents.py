"""GET /documents/...: PDFs of an invoice, of every live invoice of a billing run, of a
payment's receipt, and of a student's or family's statement.

Bearer token and tenancy as for /graphql (401 without a good token, 404 for an id the caller
may not see); an invoice's signed share link (Invoice.shareUrl) opens its PDF without a token.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator
from typing import BinaryIO
from urllib.parse import urlencode

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response, StreamingResponse

from api.http_errors import (
    answers_domain_errors,
    error_response,
    for_caller,
    not_found,
    request_caller,
    unauthenticated,
)
from api.ids import decode_any, decode_id, encode_id
from domain import invoice_documents, receipt_documents, share_links, statement_documents
from domain.access import Caller
from domain.invoice_documents import InvoiceRenderer
from domain.invoice_search import today
from domain.settings import get_settings

logger = logging.getLogger("billing.api")

#: Bytes sent per chunk of a run's document, read from its temporary file.
STREAM_CHUNK = 256 * 1024
PDF = "application/pdf"
#: A document holds guardians' names and money: never kept by a shared cache.
NO_STORE = {"Cache-Control": "private, no-store"}


#: Seconds a client is told to wait before asking again for a document that failed to render.
RETRY_AFTER = 30


def _render_failed(what: str) -> Response:
    """A renderer fault: logged with its trace; the caller gets 503 and a code, never a 500."""
    logger.exception("rendering %s failed", what)
    response = error_response(
        503, "DOCUMENT_UNAVAILABLE", "The document could not be produced now; try again later."
    )
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _renderer(request: Request) -> InvoiceRenderer:
    renderer: InvoiceRenderer = request.app.state.invoice_renderer
    return renderer


def share_url(request: HTTPConnection | None, invoice_pk: int) -> str:
    """The signed link to an invoice's PDF, on the public address (else the request's)."""
    base = get_settings().billing_public_url
    if not base:
        base = str(request.base_url) if request is not None else "http://127.0.0.1:8000/"
        base = base.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
    signed = share_links.sign_invoice(invoice_pk)
    path = f"documents/invoices/{encode_id('Invoice', invoice_pk)}.pdf"
    query = urlencode({"expires": signed.expires, "signature": signed.signature})
    return f"{base.rstrip('/')}/{path}?{query}"


def _pdf(body: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', **NO_STORE}
    return Response(body, media_type=PDF, headers=headers)


@answers_domain_errors
async def invoice_pdf(request: Request) -> Response:
    """One invoice's PDF: with a bearer token, or with a valid signed share link."""
    pk = decode_id(request.path_params["invoice_id"], "Invoice")
    params = request.query_params
    if "signature" in params or "expires" in params:
        # A share link: the signature, not a token, grants this one invoice until it expires.
        ok = pk is not None and share_links.verify_invoice(
            pk, params.get("expires"), params.get("signature")
        )
        invoice = await invoice_documents.shared_invoice(pk) if ok else None
        if invoice is None:
            return not_found("Invoice")
    else:
        caller = await request_caller(request)
        if caller is None:
            return unauthenticated()
        invoice = await invoice_documents.visible_invoice(caller, pk)
    try:
        body = await invoice_documents.invoice_pdf(_renderer(request), invoice)
    except Exception:
        return _render_failed(f"invoice {invoice.id}")
    return _pdf(body, f"{invoice.number}.pdf")


async def short_link_pdf(request: Request) -> Response:
    """/d/<token>: the SMS's short link to one invoice's PDF (signed and dated like shareUrl)."""
    pk = share_links.verify_short(request.path_params["token"])
    invoice = await invoice_documents.shared_invoice(pk) if pk is not None else None
    if invoice is None:
        return not_found("Invoice")
    try:
        body = await invoice_documents.invoice_pdf(_renderer(request), invoice)
    except Exception:
        return _render_failed(f"invoice {invoice.id}")
    return _pdf(body, f"{invoice.number}.pdf")


@for_caller
async def billing_run_pdf(request: Request, caller: Caller) -> Response:
    """Every live invoice of a run in number order, built in batches into a temporary file."""
    pk = decode_id(request.path_params["run_id"], "BillingRun")
    run = await invoice_documents.visible_run(caller, pk)
    # On disk, not in memory: a run of 100,000 invoices is a large file.
    spool = tempfile.TemporaryFile(prefix="billing-run-", suffix=".pdf")
    try:
        await invoice_documents.write_run_pdf(_renderer(request), run, spool)
        size = spool.tell()
        spool.seek(0)
    except Exception:
        spool.close()
        return _render_failed(f"billing run {run.id}")
    except BaseException:
        spool.close()
        raise
    headers = {
        "Content-Disposition": f'inline; filename="billing-run-{run.id}.pdf"',
        "Content-Length": str(size),
        **NO_STORE,
    }
    return StreamingResponse(_chunks(spool), media_type=PDF, headers=headers)


@for_caller
async def receipt_pdf(request: Request, caller: Caller) -> Response:
    """A payment's receipt: its amounts, payer, channel, allocations and any reversal."""
    pk = decode_id(request.path_params["payment_id"], "Payment")
    payment = await receipt_documents.visible_payment(caller, pk)
    try:
        body = await receipt_documents.receipt_pdf(request.app.state.invoice_renderer, payment)
    except Exception:
        return _render_failed(f"receipt of payment {payment.id}")
    return _pdf(body, f"{payment.receipt_number}.pdf")


@for_caller
async def statement_pdf(request: Request, caller: Caller) -> Response:
    """A student's or family's statement from `from` to `to` (both days, YYYY-MM-DD); a bad
    period is 400 with its code (INVALID_INPUT, INVALID_DATE_RANGE), as in the API."""
    kind, pk = decode_any(request.path_params["account_id"]) or ("", None)
    account = await statement_documents.visible_account(caller, kind, pk)
    params = request.query_params
    start, end = statement_documents.parse_period(params.get("from"), params.get("to"))
    # The ledger's statement first, outside the renderer's guard: a period it refuses is
    # answered with its code (by answers_domain_errors), not as a rendering fault.
    sheet = await statement_documents.statement_sheet(account, start, end, today())
    try:
        body = await request.app.state.invoice_renderer.render_statement(sheet)
    except Exception:
        return _render_failed(f"statement of {kind} {pk}")
    return _pdf(body, f"statement-{start.isoformat()}-{end.isoformat()}.pdf")


async def _chunks(spool: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(spool.read, STREAM_CHUNK):
            yield chunk
    finally:
        spool.close()
