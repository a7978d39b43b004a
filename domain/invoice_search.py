"""Finding a school's invoices: the filters of the invoice list and of the CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from domain.access import Caller, get_school
from domain.errors import DomainError, ErrorCode
from domain.keys import normalise_key
from domain.models import Invoice, InvoiceStatus

#: Statuses that leave money owed: an invoice in one of them past its due date is overdue.
UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID)

#: Longest search text taken (a guard, far above any name or number).
MAX_SEARCH = 200


def today() -> date:
    """The date overdue is judged on: today in UTC, the same for every replica."""
    return datetime.now(UTC).date()


def balance_of(invoice: Invoice) -> Decimal:
    """What is still owed, exact to the cent: total less paid less credited; nothing on a
    CANCELLED invoice (its credit note takes the whole balance)."""
    return owed(invoice.status, invoice.total, invoice.amount_paid, invoice.credited_amount)


def owed(status: str, total: Decimal, paid: Decimal, credited: Decimal) -> Decimal:
    """balance_of for an invoice read as plain values."""
    if status == InvoiceStatus.CANCELLED:
        return Decimal("0.00")
    return Decimal(total) - Decimal(paid) - Decimal(credited)


# Overdue, the one definition: an unpaid status, money still owed, and the due date
# passed. `is_overdue` judges one invoice and `overdue_condition` a query by the same three
# facts, so the `overdue` filter, `isOverdue` and the CSV export agree.


def is_overdue(invoice: Invoice, on: date | None = None) -> bool:
    """Money is still owed on an unpaid invoice after its due date."""
    return (
        invoice.status in UNPAID and balance_of(invoice) > 0 and invoice.due_date < (on or today())
    )


def overdue_condition(on: date | None = None) -> Q:
    """`is_overdue` as a query condition on invoices annotated by `with_owed`."""
    return Q(status__in=list(UNPAID), owed__gt=0, due_date__lt=on or today())


def with_owed(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The invoices with `owed` (total less paid less credited) computed as a number.

    Computed, not compared column to column: SQLite stores decimals as text and would
    compare them as text. The bound in `overdue_condition` is the integer 0: a decimal
    parameter reaches SQLite as text, which is greater than any number. (SQLite's float
    arithmetic can leave noise where a balance is exactly 0, but such an invoice is PAID
    or CANCELLED, never one of the UNPAID statuses the condition also asks for.)
    """
    return qs.annotate(owed=F("total") - F("amount_paid") - F("credited_amount"))


@dataclass(frozen=True)
class InvoiceFilter:
    """Narrows a school's invoices; every given criterion must hold.

    An id of 0 matches nothing: the API passes it for an id that is not one of the
    expected type, so a foreign or malformed id narrows to an empty list.
    """

    billing_run_id: int | None = None
    term_id: int | None = None
    fee_structure_id: int | None = None
    student_id: int | None = None
    grade_id: int | None = None
    school_class_id: int | None = None
    statuses: tuple[InvoiceStatus, ...] | None = None
    overdue: bool | None = None
    search: str | None = None


def apply_filter(
    qs: QuerySet[Invoice], flt: InvoiceFilter, on: date | None = None
) -> QuerySet[Invoice]:
    """The invoices of `qs` that match every criterion of `flt`."""
    exact = {
        "billing_run_id": flt.billing_run_id,
        "term_id": flt.term_id,
        "fee_structure_id": flt.fee_structure_id,
        "student_id": flt.student_id,
        # Class and grade are the student's current ones: invoices do not copy them.
        "student__school_class_id": flt.school_class_id,
        "student__school_class__grade_id": flt.grade_id,
    }
    for key, value in exact.items():
        if value is not None:
            qs = qs.filter(**{key: value})
    if flt.statuses is not None:
        qs = qs.filter(status__in=[InvoiceStatus(s) for s in flt.statuses])
    if flt.overdue is not None:
        overdue = overdue_condition(on)
        qs = with_owed(qs).filter(overdue if flt.overdue else ~overdue)
    for word in (flt.search or "")[:MAX_SEARCH].split():
        qs = qs.filter(
            Q(number__icontains=word)
            | Q(student__admission_key__contains=normalise_key(word))
            | Q(student__first_name__icontains=word)
            | Q(student__last_name__icontains=word)
        )
    return qs


async def school_invoices(
    caller: Caller, school_id: int | None, flt: InvoiceFilter | None = None
) -> QuerySet[Invoice]:
    """A visible school's invoices matching the filter, newest first (else NOT_FOUND)."""
    school = await get_school(caller, school_id, ["schoolId"])
    if flt is not None and flt.search is not None and len(flt.search) > MAX_SEARCH:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"The search may be at most {MAX_SEARCH} characters.",
            ("filter", "search"),
        )
    qs = Invoice.filter(school_id=school.id)
    if flt is not None:
        qs = apply_filter(qs, flt)
    return qs.order_by("-created_at", "-id")
