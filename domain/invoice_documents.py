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
from typing import BinaryIO, Protocol

from domain.access import Caller, get_visible
from domain.invoice_search import balance_of
from domain.letterheads import Letterhead, letterhead, writer_for
from domain.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Role,
    School,
    SchoolClass,
    Student,
    Term,
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


async def sheets_of(school: School, invoices: Sequence[Invoice]) -> list[InvoiceSheet]:
    """The printed form of some invoices of one school, in the order given (4 queries)."""
    write = writer_for(school)
    head = letterhead(school)
    ids = [i.id for i in invoices]
    students = {
        s.id: s for s in await Student.filter(id__in=list({i.student_id for i in invoices}))
    }
    class_ids = {s.school_class_id for s in students.values() if s.school_class_id}
    classes = {c.id: c.name for c in await SchoolClass.filter(id__in=list(class_ids))}
    terms = {t.id: t.name for t in await Term.filter(id__in=list({i.term_id for i in invoices}))}
    lines: dict[int, list[InvoiceLine]] = {}
    for line in await InvoiceLine.filter(invoice_id__in=ids).order_by(
        "invoice_id", "position", "id"
    ):
        lines.setdefault(line.invoice_id, []).append(line)

    money = write.money
    sheets = []
    for invoice in invoices:
        student = students[invoice.student_id]
        own = lines.get(invoice.id, [])
        discount = -sum((Decimal(x.amount) for x in own if x.kind == LineKind.DISCOUNT), ZERO)
        balance = balance_of(invoice)
        sheets.append(
            InvoiceSheet(
                head=head,
                number=invoice.number,
                status=STATUS_WORDS.get(invoice.status, ""),
                invoice_date=write.day(invoice.invoice_date),
                due_date=write.day(invoice.due_date),
                term=terms.get(invoice.term_id, ""),
                student_name=f"{student.first_name} {student.last_name}",
                admission_number=student.admission_number,
                class_name=classes.get(student.school_class_id or 0, ""),
                guardian_name=student.guardian_name,
                lines=[SheetLine(x.description, money(x.amount)) for x in own],
                gross=money(Decimal(invoice.total) + discount),
                discount=money(discount),
                total=money(invoice.total),
                amount_paid=money(invoice.amount_paid),
                credited=money(invoice.credited_amount),
                balance=money(balance),
                previous_balance=money(invoice.previous_balance),
                total_due=money(balance + Decimal(invoice.previous_balance)),
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


async def _run_batches(run: BillingRun) -> AsyncIterator[list[Invoice]]:
    """The run's live invoices in number order, a batch at a time (keyset on the number)."""
    base = Invoice.filter(billing_run_id=run.id).exclude(status=InvoiceStatus.CANCELLED)
    last: str | None = None
    while True:
        qs = base.filter(number__gt=last) if last is not None else base
        batch: list[Invoice] = await qs.order_by("number").limit(RUN_BATCH)
        if not batch:
            return
        yield batch
        last = batch[-1].number
        if len(batch) < RUN_BATCH:
            return


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
            sheets = await sheets_of(school, batch)
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
