"""GET /exports/invoices.csv: a school's invoices as a spreadsheet, streamed page by page."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import date
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from tortoise.queryset import QuerySet

from api.http_errors import error_response, for_caller
from api.ids import decode_id, decode_ref
from domain import invoice_search
from domain.access import Caller, get_school
from domain.invoice_search import balance_of
from domain.models import Invoice, InvoiceStatus, SchoolClass, Student

#: Rows read and written per database round trip: memory stays flat whatever the size.
PAGE = 1000

HEADER = [
    "number",
    "student",
    "admission_number",
    "class",
    "invoice_date",
    "due_date",
    "status",
    "currency",
    "total",
    "paid",
    "balance",
]

#: A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> str:
    """The cell's text, quoted with ' when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _pk(request: Request, name: str, type_name: str) -> int | None:
    """A filter's id parameter; an empty one is left out, like a missing one. An id of ours
    that is not visible matches nothing, as in the `invoices` query, while a value that is
    no id of that type at all is refused."""
    value = request.query_params.get(name) or None
    if value is not None and decode_id(value, type_name) is None:
        raise ValueError(f"{name} is not a {type_name} id")
    return decode_ref(value, type_name)


def _filter(request: Request) -> invoice_search.InvoiceFilter:
    """The same filters as the `invoices` query, as query parameters (statuses comma-separated)."""
    params = request.query_params
    statuses: tuple[InvoiceStatus, ...] | None = None
    raw = [s.strip().upper() for v in params.getlist("statuses") for s in v.split(",") if s.strip()]
    if raw:
        statuses = tuple(InvoiceStatus(s) for s in raw)  # ValueError: answered 400 below
    overdue = params.get("overdue")
    if overdue not in (None, "", "true", "false"):
        raise ValueError("overdue must be true or false")
    return invoice_search.InvoiceFilter(
        billing_run_id=_pk(request, "billingRunId", "BillingRun"),
        term_id=_pk(request, "termId", "Term"),
        fee_structure_id=_pk(request, "feeStructureId", "FeeStructure"),
        student_id=_pk(request, "studentId", "Student"),
        grade_id=_pk(request, "gradeId", "Grade"),
        school_class_id=_pk(request, "schoolClassId", "SchoolClass"),
        statuses=statuses,
        overdue=None if not overdue else overdue == "true",
        search=params.get("search"),
    )


def _line(cells: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([safe(c) for c in cells])
    return out.getvalue()


async def _rows(base: QuerySet[Invoice], currency: str) -> AsyncIterator[str]:
    """The CSV text: header, then one page at a time by descending id (keyset, not offset)."""
    yield _line(HEADER)
    last: int | None = None
    while True:
        qs = base.order_by("-id")
        if last is not None:
            qs = qs.filter(id__lt=last)
        page: list[Invoice] = await qs.limit(PAGE)
        if not page:
            return
        students = {
            s.id: s for s in await Student.filter(id__in=list({i.student_id for i in page}))
        }
        class_ids = {s.school_class_id for s in students.values() if s.school_class_id}
        classes = {c.id: c.name for c in await SchoolClass.filter(id__in=list(class_ids))}
        chunk = io.StringIO()
        writer = csv.writer(chunk)
        for invoice in page:
            student = students[invoice.student_id]
            total, paid = Decimal(invoice.total), Decimal(invoice.amount_paid)
            writer.writerow(
                [
                    safe(c)
                    for c in (
                        invoice.number,
                        f"{student.first_name} {student.last_name}",
                        student.admission_number,
                        classes.get(student.school_class_id or 0, ""),
                        _iso(invoice.invoice_date),
                        _iso(invoice.due_date),
                        invoice.status.value,
                        currency,
                        f"{total:.2f}",
                        f"{paid:.2f}",
                        f"{balance_of(invoice):.2f}",
                    )
                ]
            )
        yield chunk.getvalue()
        last = page[-1].id
        if len(page) < PAGE:
            return


def _iso(value: date) -> str:
    return value.isoformat()


@for_caller
async def invoices_csv(request: Request, caller: Caller) -> Response:
    """The invoices the `invoices` query would list, as CSV; bearer auth as for /graphql."""
    school_param = request.query_params.get("schoolId")
    if not school_param:
        return error_response(400, "INVALID_INPUT", "schoolId is required.")
    try:
        flt = _filter(request)
    except ValueError as exc:
        return error_response(400, "INVALID_INPUT", f"Bad filter: {exc}")
    school = await get_school(caller, decode_id(school_param, "School"), ["schoolId"])
    qs = await invoice_search.school_invoices(caller, school.id, flt)
    return StreamingResponse(
        _rows(qs, school.currency),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="invoices.csv"'},
    )
