"""Invoices made by a billing run: linked both ways, and cancelling frees the student for a
later run while the first run keeps its history."""

from __future__ import annotations

from api.ids import encode_id
from domain import invoices
from domain.billing.scope import ScopeSpec
from domain.models import Invoice, InvoiceStatus, Role, ScopeKind
from tests.billing_helpers import bill, new_run
from tests.client import GraphQLClient
from tests.factories import Factory


async def test_a_cancelled_invoice_is_billed_again_by_a_later_run(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given a class billed by a first run
    s, actor = await factory.school_with(Role.FINANCE)
    klass = s.classes[0]
    students = [await factory.student(s.school, klass) for _ in range(2)]
    scope = ScopeSpec(ScopeKind.SCHOOL_CLASS, class_id=klass.id)
    first = await bill(actor, await new_run(actor, s, scope))
    made = await Invoice.filter(billing_run_id=first.id).order_by("id")
    assert len(made) == 2
    # when one invoice is cancelled and a second run bills the class
    await invoices.cancel_invoice(actor.caller, made[0].id, reason="Wrong grade")
    second = await bill(actor, await new_run(actor, s, scope))
    # then only that student is billed again, and the first run keeps both invoices
    again = await Invoice.filter(billing_run_id=second.id)
    assert [i.student_id for i in again] == [made[0].student_id]
    assert {i.student_id for i in made} == {st.id for st in students}
    assert await Invoice.filter(billing_run_id=first.id).count() == 2
    assert (await Invoice.get(id=made[0].id)).status == InvoiceStatus.CANCELLED
    # and the invoice links to its run over GraphQL
    body = await gql(
        """query($id: ID!) { node(id: $id) { ... on Invoice { billingRun { id } } } }""",
        {"id": encode_id("Invoice", again[0].id)},
        actor.token,
    )
    assert body == {"data": {"node": {"billingRun": {"id": encode_id("BillingRun", second.id)}}}}
