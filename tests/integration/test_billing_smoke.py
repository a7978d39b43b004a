"""A whole run on the real database: preview, confirm, generate."""

from __future__ import annotations

from decimal import Decimal

from domain.billing.preview import preview_billing_run
from domain.models import Invoice, InvoiceLine, RunStatus
from tests.billing_helpers import bill, new_run, populate
from tests.factories import Factory
from tests.invariants import assert_exact


async def test_a_run_bills_every_student_once_with_exact_totals(factory: Factory) -> None:
    # given 2 grades x 2 streams x 3 students; grade 1 pays 12000 + 4500.50, grade 2 15000 + 4500.50 + 3000
    s, admin = await factory.school_with_admin()
    await populate(factory, s, 3)
    run = await new_run(admin, s)
    # when
    previewed = await preview_billing_run(admin.caller, run.id)
    done = await bill(admin, run)
    # then
    expected = 6 * Decimal("16500.50") + 6 * Decimal("22500.50")
    assert previewed.preview_invoice_count == 12
    assert previewed.preview_total == expected
    assert done.status == RunStatus.COMPLETED
    assert (done.items_invoiced, done.items_failed, done.items_skipped) == (12, 0, 0)
    assert done.invoiced_amount == expected
    invoices = await Invoice.filter(billing_run_id=run.id).order_by("number")
    assert [i.number for i in invoices] == [f"INV-2026-{n:06d}" for n in range(1, 13)]
    assert sum((i.total for i in invoices), Decimal(0)) == expected
    lines = await InvoiceLine.filter(invoice_id=invoices[0].id).order_by("position")
    assert sum((line.amount for line in lines), Decimal(0)) == invoices[0].total
    await assert_exact(s.school.id, [run.id])
