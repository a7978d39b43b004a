"""Root field for invoices: a school's invoices, filtered, newest first."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ref
from api.types.common import AfterArg, Connection, FilterArg, FirstArg, SchoolArg
from api.types.invoices import Invoice, InvoiceFilter, invoice_connection, prefetch_invoices
from domain import invoice_search
from domain.models import InvoiceStatus


def domain_filter(f: InvoiceFilter | None) -> invoice_search.InvoiceFilter:
    """The domain's filter for the client's (ids decoded; foreign ids match nothing)."""
    if f is None:
        return invoice_search.InvoiceFilter()
    return invoice_search.InvoiceFilter(
        billing_run_id=decode_ref(f.billing_run_id, "BillingRun"),
        term_id=decode_ref(f.term_id, "Term"),
        fee_structure_id=decode_ref(f.fee_structure_id, "FeeStructure"),
        student_id=decode_ref(f.student_id, "Student"),
        grade_id=decode_ref(f.grade_id, "Grade"),
        school_class_id=decode_ref(f.school_class_id, "SchoolClass"),
        statuses=tuple(InvoiceStatus(s) for s in f.statuses) if f.statuses is not None else None,
        overdue=f.overdue,
        search=f.search,
    )


@strawberry.type
class InvoiceQuery:
    @strawberry.field(description="A school's invoices, newest first, with every contract filter.")
    async def invoices(
        self,
        info: Info,
        school_id: SchoolArg,
        filter: FilterArg[InvoiceFilter] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Invoice]:
        qs = await invoice_search.school_invoices(
            info.context.caller, decode_id(school_id, "School"), domain_filter(filter)
        )
        page = await invoice_connection(qs, first, after)
        await prefetch_invoices(info, page)
        return page
