"""One meaning of overdue: the `overdue` filter, `isOverdue` and the CSV export agree."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import httpx

from api.ids import encode_id
from domain.models import Invoice, InvoiceStatus
from tests.client import GraphQLClient
from tests.factories import Factory

LIST = """
query($schoolId: ID!, $filter: InvoiceFilter) {
  invoices(schoolId: $schoolId, filter: $filter, first: 100) {
    edges { node { number isOverdue } }
  }
}"""

PAST = date(2026, 2, 5)  # long past
FUTURE = date(2999, 1, 1)


async def test_overdue_filter_isoverdue_and_export_agree_on_every_invoice(
    http: httpx.AsyncClient, gql: GraphQLClient, factory: Factory
) -> None:
    # given invoices past due with and without a balance, in every status, and one not due
    s, admin = await factory.school_with_admin()
    zero = [("Waived", Decimal("0.00"))]
    cases: dict[str, bool] = {}

    async def add(expected: bool, **kw: object) -> None:
        student = await factory.student(s.school, s.classes[0])
        invoice = await factory.invoice(s, student, **kw)  # type: ignore[arg-type]
        cases[invoice.number] = expected

    await add(True, due_date=PAST)  # unpaid, past due
    await add(False, due_date=PAST, lines=zero)  # 0.00, ISSUED: nothing owed
    await add(False, due_date=PAST, lines=zero, status=InvoiceStatus.SENT)
    await add(False, due_date=FUTURE)  # not due yet
    await add(False, due_date=PAST, status=InvoiceStatus.CANCELLED)
    await add(True, due_date=PAST, status=InvoiceStatus.SENT)
    paid_up = await Invoice.filter(number__in=list(cases)).order_by("-id").first()
    assert paid_up is not None
    # a partially paid one whose payments reached the total (its status not yet moved)
    await Invoice.filter(id=paid_up.id).update(
        status=InvoiceStatus.PARTIALLY_PAID, amount_paid=paid_up.total
    )
    cases[paid_up.number] = False
    # and one partly paid, owing 10500.50 of 19500.50 (compared as numbers, not as text)
    part = await factory.invoice(s, await factory.student(s.school, None), due_date=PAST)
    await Invoice.filter(id=part.id).update(
        status=InvoiceStatus.PARTIALLY_PAID, amount_paid=Decimal("9000.00")
    )
    cases[part.number] = True
    school_id = encode_id("School", s.school.id)
    # when
    flags = {}
    for value in (True, False, None):
        body = await gql(
            LIST, {"schoolId": school_id, "filter": {"overdue": value}}, token=admin.token
        )
        nodes = [e["node"] for e in body["data"]["invoices"]["edges"]]
        flags[value] = {n["number"]: n["isOverdue"] for n in nodes}
    exported = {}
    for value in ("true", "false"):
        response = await http.get(
            "/exports/invoices.csv",
            params={"schoolId": school_id, "overdue": value},
            headers={"Authorization": f"Bearer {admin.token}"},
        )
        assert response.status_code == 200, response.text
        exported[value] = {r[0] for r in list(csv.reader(io.StringIO(response.text)))[1:]}
    # then isOverdue says what the domain says, and both filters split the list by it
    assert flags[None] == cases
    overdue = {n for n, v in cases.items() if v}
    assert set(flags[True]) == overdue and set(flags[True].values()) == {True}
    assert set(flags[False]) == set(cases) - overdue and set(flags[False].values()) == {False}
    assert exported == {"true": overdue, "false": set(cases) - overdue}
