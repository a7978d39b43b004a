"""The documents of invoices: what each printed invoice says, and asking a renderer for its PDF.

The domain decides what a guardian reads (names, numbers, amounts formatted for the school's
country); how it is typeset is the renderer's business (adapters/pdf).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, Protocol

from domain.access import Caller, get_visible
from domain.invoice_search import owed
from domain.letterheads import Letterhead, letterhead, writer_for
from domain.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Role,
    School,
)

#: Invoices read and typeset at a time in a run's document. Typst keeps the layouts of its
#: last 10 compilations cached: small batches keep that cache (and memory) small.
RUN_BATCH = 25
#: Batches typeset at once while the next are read (the renderer decides on how many threads).
RENDER_AHEAD = 2

ZERO = Decimal(0)

#: The status a guardian sees printed; an ISSUED or SENT invoice simply says nothing.
STATUS_WORDS = {
    InvoiceStatus.PARTIALLY_PAID: "PARTLY PAID",
    InvoiceStatus.PAID: "PAID",
    InvoiceStatus.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class SheetLine:
    """A charge, or a discount (a negative amount)."""

    description: str
    amount: str


@dataclass(frozen=True)
class InvoiceSheet:
    """Everything one printed invoice says, as text ready to print.

    `total` = `gross` - `discount`; `balance` = `total` - `amount_paid` - `credited`; and
    `total_due` = `balance` + `previous_balance` (older debt when the invoice was issued).
    """

    head: Letterhead
    number: str
    status: str
    invoice_date: str
    due_date: str
    term: str
    student_name: str
    admission_number: str
    class_name: str
    guardian_name: str | None
    lines: list[SheetLine]
    gross: str
    discount: str
    total: str
    amount_paid: str
    credited: str
    balance: str
    previous_balance: str
    total_due: str


class DocumentBundle(Protocol):
    """A PDF assembled part by part, written once complete."""

    async def add(self, pdf: bytes) -> None: ...

    async def write(self, out: BinaryIO) -> None: ...


class InvoiceRenderer(Protocol):
    """Typesets invoices (implemented in adapters/pdf), off the event loop."""

    async def render(self, sheets: Sequence[InvoiceSheet]) -> bytes:
        """One PDF with each invoice on its own page(s), in the order given."""
        ...

    def bundle(self) -> DocumentBundle:
        """An empty PDF to which rendered parts are appended."""
        ...


class RenderFailed(Exception):
    """A document could not be typeset (a renderer fault, not the caller's)."""


_renderer: InvoiceRenderer | None = None


def set_invoice_renderer(renderer: InvoiceRenderer | None) -> None:
    """Install the process's renderer (adapters.Adapters.install does, at start-up)."""
    global _renderer
    _renderer = renderer


def invoice_renderer() -> InvoiceRenderer:
    """The process's renderer; RenderFailed when none was installed."""
    if _renderer is None:
        raise RenderFailed("No PDF renderer is installed in this process.")
    return _renderer


#: What a printed invoice reads of its invoice, student, class and term: one joined query of
#: plain values, not model objects (a run's document reads thousands, and building models
#: cost more CPU than the queries themselves).
SHEET_COLUMNS = (
    "id",
    "number",
    "status",
    "invoice_date",
    "due_date",
    "total",
    "amount_paid",
    "credited_amount",
    "previous_balance",
    "term__name",
    "student__first_name",
    "student__last_name",
    "student__admission_number",
    "student__guardian_name",
    "student__school_class__name",
)


async def sheets_of(school: School, invoices: Sequence[Invoice]) -> list[InvoiceSheet]:
    """The printed form of some invoices of one school, in the order given (2 queries)."""
    return await _sheets(school, await _rows([i.id for i in invoices]))


async def _sheets(school: School, rows: Sequence[dict[str, Any]]) -> list[InvoiceSheet]:
    """Invoices read as SHEET_COLUMNS, printed in the order given, with their lines (1 query)."""
    write = writer_for(school)
    head = letterhead(school)
    money = write.money
    lines: dict[int, list[tuple[LineKind, str, Decimal]]] = {}
    for invoice_id, kind, description, amount in (
        await InvoiceLine.filter(invoice_id__in=[r["id"] for r in rows])
        .order_by("invoice_id", "position", "id")
        .values_list("invoice_id", "kind", "description", "amount")
    ):
        lines.setdefault(invoice_id, []).append((kind, description, Decimal(amount)))
    sheets = []
    for row in rows:
        own = lines.get(row["id"], [])
        discount = -sum((amount for kind, _, amount in own if kind == LineKind.DISCOUNT), ZERO)
        total, previous = Decimal(row["total"]), Decimal(row["previous_balance"])
        balance = owed(row["status"], total, row["amount_paid"], row["credited_amount"])
        sheets.append(
            InvoiceSheet(
                head=head,
                number=row["number"],
                status=STATUS_WORDS.get(row["status"], ""),
                invoice_date=write.day(row["invoice_date"]),
                due_date=write.day(row["due_date"]),
                term=row["term__name"] or "",
                student_name=f"{row['student__first_name']} {row['student__last_name']}",
                admission_number=row["student__admission_number"],
                class_name=row["student__school_class__name"] or "",
                guardian_name=row["student__guardian_name"],
                lines=[SheetLine(description, money(amount)) for _, description, amount in own],
                gross=money(total + discount),
                discount=money(discount),
                total=money(total),
                amount_paid=money(row["amount_paid"]),
                credited=money(row["credited_amount"]),
                balance=money(balance),
                previous_balance=money(previous),
                total_due=money(balance + previous),
            )
        )
    return sheets


async def invoice_pdf(renderer: InvoiceRenderer, invoice: Invoice) -> bytes:
    """The PDF of one invoice (already checked visible to whoever asks)."""
    school = await School.get(id=invoice.school_id)
    return await renderer.render(await sheets_of(school, [invoice]))


async def visible_invoice(caller: Caller, invoice_id: int | None) -> Invoice:
    """An invoice whose document the caller may read (any role), else NOT_FOUND."""
    invoice = await get_visible(caller, Invoice, invoice_id, "Invoice", ["invoiceId"])
    caller.require(Role.VIEWER, invoice.school_id)
    return invoice


async def visible_run(caller: Caller, run_id: int | None) -> BillingRun:
    """A run whose invoices the caller may read, else NOT_FOUND."""
    run = await get_visible(caller, BillingRun, run_id, "BillingRun", ["billingRunId"])
    caller.require(Role.VIEWER, run.school_id)
    return run


async def _run_batches(run: BillingRun) -> AsyncIterator[list[dict[str, Any]]]:
    """The run's live invoices (as SHEET_COLUMNS) in number order, a batch at a time.

    The ids come first, in order, in one query (a few MB for 100,000 invoices); each batch is
    then read by id. A keyset on the number joined student, class and term for every invoice
    after the last before sorting: a quadratic read of a large run.
    """
    live = Invoice.filter(billing_run_id=run.id).exclude(status=InvoiceStatus.CANCELLED)
    ids: list[int] = await live.order_by("number").values_list("id", flat=True)  # type: ignore[assignment]
    for start in range(0, len(ids), RUN_BATCH):
        yield await _rows(ids[start : start + RUN_BATCH])


async def _rows(ids: Sequence[int]) -> list[dict[str, Any]]:
    """Invoices as SHEET_COLUMNS, in the order of `ids` (one joined query)."""
    by_id = {row["id"]: row for row in await Invoice.filter(id__in=ids).values(*SHEET_COLUMNS)}
    return [by_id[pk] for pk in ids]


async def write_run_pdf(renderer: InvoiceRenderer, run: BillingRun, out: BinaryIO) -> int:
    """Write the PDF of every live invoice of a run, in number order; returns how many.

    Batches are read while earlier ones are typeset (up to RENDER_AHEAD at once) and joined
    in order, so memory holds a few batches plus the document's page tree, never the run.
    """
    school = await School.get(id=run.school_id)
    bundle = renderer.bundle()
    in_flight: deque[asyncio.Future[bytes]] = deque()
    count = 0
    try:
        async for batch in _run_batches(run):
            sheets = await _sheets(school, batch)
            in_flight.append(asyncio.ensure_future(renderer.render(sheets)))
            count += len(batch)
            if len(in_flight) > RENDER_AHEAD:
                await bundle.add(await in_flight.popleft())
        if count == 0:  # no live invoice: one page that says so
            in_flight.append(asyncio.ensure_future(renderer.render([])))
        while in_flight:
            await bundle.add(await in_flight.popleft())
    finally:
        for pending in in_flight:  # a failure midway: nothing left running for nobody
            pending.cancel()
    await bundle.write(out)
    return count


async def shared_invoice(invoice_id: int | None) -> Invoice | None:
    """The invoice a verified share link names (the link, not a caller, grants it)."""
    return await Invoice.get_or_none(id=invoice_id) if invoice_id is not None else None
