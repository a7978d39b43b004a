"""No N+1: a page of invoices with their students, classes, lines and payments costs a fixed
number of SQL queries, whatever the page size."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from api.ids import encode_id
from domain.models import Role
from tests.client import GraphQLClient
from tests.factories import Factory

PAGE = """
query($schoolId: ID!, $first: Int) {
  invoices(schoolId: $schoolId, first: $first) {
    totalCount
    edges { node {
      number status isOverdue total { amount currency } balance { amount }
      student { fullName schoolClass { name grade { name } } }
      term { name } feeStructure { name }
      lines { description amount { amount } }
      payments { amount { amount } method }
      deliveries { channel status }
    } }
  }
}"""

#: Auth (token, granted schools), the school check, the page, the count, then one batch
#: each for school, students, classes, grades, terms, fee structures, lines, payments (two:
#: the invoices' allocations, then their payments) and deliveries.
EXPECTED_QUERIES = 15


class QueryLog(logging.Handler):
    """Counts the statements Tortoise sends (it logs each one at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().lstrip().upper()
        if text.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(record.getMessage())


@pytest.fixture
def query_log() -> Iterator[QueryLog]:
    handler = QueryLog()
    logger = logging.getLogger("tortoise.db_client")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_a_page_of_100_invoices_costs_a_fixed_number_of_queries(
    gql: GraphQLClient, factory: Factory, query_log: QueryLog
) -> None:
    # given 120 invoices across every class, each with lines and a payment
    s, actor = await factory.school_with(Role.VIEWER)
    for i in range(120):
        student = await factory.student(s.school, s.classes[i % len(s.classes)])
        invoice = await factory.invoice(s, student)
        await factory.payment(invoice, amount=Decimal("100.00"), paid_on=date(2026, 1, 9))
    school_id = encode_id("School", s.school.id)

    async def count(first: int) -> int:
        query_log.statements.clear()
        body = await gql(PAGE, {"schoolId": school_id, "first": first}, actor.token)
        assert "errors" not in body, body
        edges = body["data"]["invoices"]["edges"]
        assert len(edges) == first
        assert all(len(e["node"]["lines"]) == 2 for e in edges)
        assert all(len(e["node"]["payments"]) == 1 for e in edges)
        assert all(e["node"]["student"]["schoolClass"] for e in edges)
        return len(query_log.statements)

    # when a page of 100 and a page of 5 are read
    hundred = await count(100)
    five = await count(5)
    # then both cost the same, small, fixed number of queries
    assert hundred == five == EXPECTED_QUERIES, query_log.statements
