"""GET /documents/...: invoice PDFs, one invoice or every live invoice of a billing run.

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
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.ids import decode_id, encode_id
from domain import invoice_documents, share_links
from domain.access import Caller, authenticate, bearer
from domain.errors import DomainError
from domain.invoice_documents import InvoiceRenderer
from domain.settings import get_settings

logger = logging.getLogger("billing.api")

#: Bytes sent per chunk of a run's document, read from its temporary file.
STREAM_CHUNK = 256 * 1024
PDF = "application/pdf"
#: A document holds guardians' names and money: never kept by a shared cache.
NO_STORE = {"Cache-Control": "private, no-store"}


def _error(status: int, code: str, message: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _not_found(what: str) -> Response:
    return _error(404, "NOT_FOUND", f"{what} not found.")


async def _caller(request: Request) -> Caller | None:
    token = bearer(request.headers.get("authorization"))
    return await authenticate(token) if token else None


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
            return _not_found("Invoice")
    else:
        caller = await _caller(request)
        if caller is None:
            return _error(401, "UNAUTHENTICATED", "Missing, unknown, expired or revoked token.")
        try:
            invoice = await invoice_documents.visible_invoice(caller, pk)
        except DomainError:
            return _not_found("Invoice")
    body = await invoice_documents.invoice_pdf(_renderer(request), invoice)
    return _pdf(body, f"{invoice.number}.pdf")


async def billing_run_pdf(request: Request) -> Response:
    """Every live invoice of a run in number order, built in batches into a temporary file."""
    caller = await _caller(request)
    if caller is None:
        return _error(401, "UNAUTHENTICATED", "Missing, unknown, expired or revoked token.")
    pk = decode_id(request.path_params["run_id"], "BillingRun")
    try:
        run = await invoice_documents.visible_run(caller, pk)
    except DomainError:
        return _not_found("BillingRun")
    # On disk, not in memory: a run of 100,000 invoices is a large file.
    spool = tempfile.TemporaryFile(prefix="billing-run-", suffix=".pdf")
    try:
        await invoice_documents.write_run_pdf(_renderer(request), run, spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    headers = {
        "Content-Disposition": f'inline; filename="billing-run-{run.id}.pdf"',
        "Content-Length": str(size),
        **NO_STORE,
    }
    return StreamingResponse(_chunks(spool), media_type=PDF, headers=headers)


async def _chunks(spool: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(spool.read, STREAM_CHUNK):
            yield chunk
    finally:
        spool.close()
