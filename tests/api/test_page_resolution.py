"""A page of invoices resolves its nested fields from what the page's resolver loaded: no
awaiting per invoice (each awaitable field costs graphql-core a coroutine and a task), and
the same answers as the awaiting path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import api.types.invoices as invoice_types
import api.types.school as school_types
import api.types.students as student_types
from api.ids import encode_id
from domain.models import Role
from tests.client import GraphQLClient
from tests.factories import Factory

PAGE = """query($s: ID!) { invoices(schoolId: $s, first: 100) { edges { node {
  number total { amount currency } balance { amount } amountPaid { amount }
  student { fullName schoolClass { name } }
  lines { description amount { amount } } } } } }"""

#: The same fields reached through fragments, which the page's resolver must see too.
FRAGMENTS = """query($s: ID!) { invoices(schoolId: $s, first: 100) { edges { node {
  ...Head ... on Invoice { lines { description amount { amount } } } } } } }
fragment Head on Invoice { number total { amount currency } balance { amount }
  amountPaid { amount } student { ... on Student { fullName schoolClass { name } } } }"""


@pytest.fixture
def awaited(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The nested fields that fell back to awaiting a loader."""
    seen: list[str] = []

    def counting(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(invoice_types, "linked_required")
    counting(invoice_types.Invoice, "_lines_later")
    counting(student_types, "linked")
    counting(school_types, "school_money")
    return seen


async def test_a_page_answers_its_nested_fields_without_awaiting_each(
    gql: GraphQLClient, factory: Factory, awaited: list[str]
) -> None:
    # given 30 invoices of students in several classes
    s, actor = await factory.school_with(Role.VIEWER)
    for i in range(30):
        student = await factory.student(s.school, s.classes[i % len(s.classes)])
        await factory.invoice(s, student)
    variables = {"s": encode_id("School", s.school.id)}
    # when the page is read, directly and through fragments
    pages = [await gql(q, variables, actor.token) for q in (PAGE, FRAGMENTS)]
    # then no nested field awaited a loader of its own
    assert awaited == []
    for body in pages:
        assert "errors" not in body, body
        edges = body["data"]["invoices"]["edges"]
        assert len(edges) == 30
        for e in edges:
            node = e["node"]
            assert node["total"]["currency"] == s.school.currency
            assert Decimal(node["total"]["amount"]) == sum(
                Decimal(line["amount"]["amount"]) for line in node["lines"]
            )
            assert node["student"]["schoolClass"]["name"]
    assert pages[0]["data"] == pages[1]["data"]


async def test_a_single_invoice_still_resolves_by_awaiting(
    gql: GraphQLClient, factory: Factory, awaited: list[str]
) -> None:
    # given an invoice read through node(id:), which loads nothing ahead
    s, actor = await factory.school_with(Role.VIEWER)
    invoice = await factory.invoice(s, await factory.student(s.school, s.classes[0]))
    body = await gql(
        """query($id: ID!) { node(id: $id) { ... on Invoice { total { amount currency }
        student { fullName schoolClass { name } } lines { description } } } }""",
        {"id": encode_id("Invoice", invoice.id)},
        actor.token,
    )
    # then its fields await their loaders and answer the same way
    assert "errors" not in body, body
    node = body["data"]["node"]
    assert node["total"]["currency"] == s.school.currency
    assert node["student"]["schoolClass"]["name"] == s.classes[0].name
    assert len(node["lines"]) == 2
    assert {"linked_required", "linked", "_lines_later"} <= set(awaited)
