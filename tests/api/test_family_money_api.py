"""A family's money over GraphQL: receivePayment with a familyId, Payment.family and
Family.ledger; exactly one payer; a foreign family is NOT_FOUND with nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from api.ids import encode_id
from domain.models import Payment, Role
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.invariants import assert_money_exact

RECEIVE = """mutation($input: ReceivePaymentInput!) { receivePayment(input: $input) {
  payment { receiptNumber student { admissionNumber } family { name }
            unallocatedAmount { amount }
            allocations { amount { amount } student { admissionNumber } invoice { number } } }
  errors { field code } } }"""

LEDGER = """query($id: ID!) { node(id: $id) { ... on Family { name
  ledger { balance { amount } unallocatedCredit { amount } openingBalance { amount }
    entries(first: 50) { totalCount edges { node { kind reference credit { amount }
            debit { amount } balance { amount } student { admissionNumber } } } } } } } }"""


async def _world(factory: Factory) -> dict[str, Any]:
    account = await factory.account()
    s = await factory.school(account)
    family, elder, younger = await factory.siblings(s, "Wanjiru")
    older = await factory.older_term(s)
    await factory.invoice(
        s, younger, lines=[("Tuition", Decimal("600.00"))], term=older, due_date=date(2025, 10, 1)
    )
    await factory.invoice(
        s, elder, lines=[("Tuition", Decimal("400.00"))], due_date=date(2026, 2, 5)
    )
    return {
        "s": s,
        "elder": elder,
        "younger": younger,
        "family": family,
        "finance": await factory.actor(account, Role.FINANCE, [s.school]),
    }


def _input(**kw: Any) -> dict[str, Any]:
    return {"input": {"amount": "1200.00", "paidOn": "2026-01-10", "method": "Cash", **kw}}


async def test_a_family_payment_and_the_family_ledger_over_graphql(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given two siblings owing 600 (older, younger) and 400 (newer, elder)
    w = await _world(factory)
    family_id = encode_id("Family", w["family"].id)
    # when 1,200.00 is received for the family
    body = await gql(RECEIVE, _input(familyId=family_id), w["finance"].token)
    # then the older invoice first, then the newer; 200 stays the family's credit
    result = body["data"]["receivePayment"]
    assert result["errors"] == []
    payment = result["payment"]
    assert (payment["student"], payment["family"]) == (None, {"name": "Wanjiru"})
    assert [
        (a["amount"]["amount"], a["student"]["admissionNumber"]) for a in payment["allocations"]
    ] == [
        ("600.00", w["younger"].admission_number),
        ("400.00", w["elder"].admission_number),
    ]
    assert payment["unallocatedAmount"]["amount"] == "200.00"
    # and the family's ledger: two invoices and the payment once, for its whole amount
    body = await gql(LEDGER, {"id": family_id}, w["finance"].token)
    ledger = body["data"]["node"]["ledger"]
    assert ledger["balance"]["amount"] == "-200.00"
    assert ledger["unallocatedCredit"]["amount"] == "200.00"
    kinds = [(e["node"]["kind"], e["node"]["credit"]) for e in ledger["entries"]["edges"]]
    assert sorted(k for k, _ in kinds) == ["INVOICE", "INVOICE", "PAYMENT"]
    assert [c for k, c in kinds if k == "PAYMENT"] == [{"amount": "1200.00"}]
    assert ledger["entries"]["edges"][-1]["node"]["balance"]["amount"] == "-200.00"
    await assert_money_exact()


async def test_exactly_one_payer_and_a_foreign_family_is_not_found(
    gql: GraphQLClient, factory: Factory
) -> None:
    w = await _world(factory)
    other = await _world(factory)
    token = w["finance"].token
    family_id = encode_id("Family", w["family"].id)
    student_id = encode_id("Student", w["elder"].id)
    # both payers: INVALID_INPUT
    body = await gql(RECEIVE, _input(familyId=family_id, studentId=student_id), token)
    assert [e["code"] for e in body["data"]["receivePayment"]["errors"]] == ["INVALID_INPUT"]
    # neither: INVALID_INPUT
    body = await gql(RECEIVE, _input(), token)
    assert [e["code"] for e in body["data"]["receivePayment"]["errors"]] == ["INVALID_INPUT"]
    # another account's family, alone or beside an own student: NOT_FOUND
    foreign = encode_id("Family", other["family"].id)
    for extra in ({}, {"studentId": student_id}):
        body = await gql(RECEIVE, _input(familyId=foreign, **extra), token)
        result = body["data"]["receivePayment"]
        assert result["payment"] is None
        assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]
    # and its ledger is not there either
    body = await gql(LEDGER, {"id": foreign}, token)
    assert body["data"]["node"] is None
    assert await Payment.all().count() == 0
    await assert_money_exact()
