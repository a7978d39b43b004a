"""Every root field of the schema, called with real ids of a school the caller may not see,
answers as if the objects did not exist and writes nothing.

The arguments are built from the schema itself; only the expectation per field is written by
hand, and a root field missing from EXPECTED fails the test: a new field makes its author say
what a stranger must get from it.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
import websockets
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)

from api.app import create_app
from api.schema import schema
from domain.models import School
from tests.client import GraphQLClient
from tests.factories import Actor
from tests.security.test_limits import refusal_codes
from tests.servers import serve_app, ws_url
from tests.tables import changed, snapshot
from tests.world import World
from tests.ws_client import PROTOCOL

#: What a caller outside the school gets from each root field:
#: refused - payload errors (NOT_FOUND, or PERMISSION_DENIED for a role that may never do it)
#:           or a top-level NOT_FOUND for a query; no object in the answer
#: null    - null, as for an id that never existed
#: own     - only the caller's own things (their user, their schools); never Alpha's
#: creates - takes no id: may create in the caller's own account only
EXPECTED: dict[str, str] = {
    "Query.node": "null",
    "Query.viewer": "own",
    "Query.schools": "own",
    "Query.students": "refused",
    "Query.billingRuns": "refused",
    "Query.invoices": "refused",
    "Query.auditEvents": "refused",
    "Query.mobileMoneyTransactions": "refused",
    "Query.paymentImports": "refused",
    "Mutation.createUser": "refused",
    "Mutation.createSchool": "creates",
    "Mutation.createTerm": "refused",
    "Mutation.createGrade": "refused",
    "Mutation.createStream": "refused",
    "Mutation.createSchoolClass": "refused",
    "Mutation.createStudents": "refused",
    "Mutation.updateStudent": "refused",
    "Mutation.createFeeStructure": "refused",
    "Mutation.createBillingRun": "refused",
    "Mutation.updateBillingRun": "refused",
    "Mutation.previewBillingRun": "refused",
    "Mutation.confirmBillingRun": "refused",
    "Mutation.deleteBillingRun": "refused",
    "Mutation.retryBillingRun": "refused",
    "Mutation.sendInvoices": "refused",
    "Mutation.recordPayment": "refused",
    "Mutation.cancelInvoice": "refused",
    "Mutation.setOpeningBalances": "refused",
    "Mutation.issueCreditNote": "refused",
    "Mutation.receivePayment": "refused",
    "Mutation.reversePayment": "refused",
    "Mutation.assignTransaction": "refused",
    "Mutation.rotateMpesaWebhookSecret": "refused",
    "Mutation.createPaymentImport": "refused",
    "Mutation.assignPaymentImportLine": "refused",
    "Mutation.confirmPaymentImport": "refused",
    "Mutation.deletePaymentImport": "refused",
    "Mutation.revokeApiToken": "refused",
    "Mutation.createFeeCategory": "refused",
    "Mutation.createFamily": "refused",
    "Mutation.subscribeStudents": "refused",
    "Mutation.endFeeSubscriptions": "refused",
    "Mutation.createDiscount": "refused",
    "Mutation.assignDiscount": "refused",
    "Mutation.endStudentDiscounts": "refused",
    "Mutation.updateSchoolProfile": "refused",
    "Mutation.sendBillingRunInvoices": "refused",
    "Mutation.setReminderPolicy": "refused",
    "Subscription.billingRunUpdated": "refused",
}

#: Plausible values for required scalars, by input field name (else by type).
PLAUSIBLE: dict[str, Any] = {
    "email": "new.person@example.org",
    "currency": "KES",
    "method": "Cash",
    "reason": "Issued twice",
    "admissionNumber": "NEW001",
    "startDate": "2026-05-04",
    "endDate": "2026-08-07",
    "invoiceDate": "2026-05-04",
    "dueDate": "2026-06-04",
    "paidOn": "2026-01-10",
    "role": "FINANCE",
    "first": 10,
}
BY_TYPE: dict[str, Any] = {
    "String": "Something plausible",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "100.00",
    "Date": "2026-05-04",
    "DateTime": "2099-01-01T00:00:00Z",
}
#: Argument names whose object type is not the name itself.
ALIASES = {"Token": "ApiToken", "Transaction": "MobileMoneyTransaction"}
#: Optional arguments left out: they carry no reference to an object.
SKIPPED = {"after"}


def id_type(name: str, known: set[str]) -> str:
    """The type an id argument refers to, from its name: excludeStudentIds -> Student."""
    if name == "id":  # node(id:): every type is tried in turn by the caller
        return "School"
    stem = re.sub(r"Ids?$", "", name)
    words = re.findall(r"[a-z]+|[A-Z][a-z]*", stem)
    for i in range(len(words)):
        candidate = "".join(w[:1].upper() + w[1:] for w in words[i:])
        candidate = ALIASES.get(candidate, candidate)
        if candidate in known:
            return candidate
    raise AssertionError(f"no real object for an id named {name!r}: teach the test")


def value_for(name: str, type_: GraphQLInputType, world: World) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return value_for(name, type_.of_type, world)
    if isinstance(type_, GraphQLList):
        return [value_for(name, type_.of_type, world)]
    if isinstance(type_, GraphQLInputObjectType):
        built = {}
        for field_name, f in type_.fields.items():
            required = isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
            refers = get_named_type(f.type).name == "ID"
            if required or refers:
                built[field_name] = value_for(field_name, f.type, world)
        return built
    if isinstance(type_, GraphQLEnumType):
        return PLAUSIBLE.get(name, next(iter(type_.values)))
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        return world.gid(id_type(name, set(world.ids)))
    return PLAUSIBLE.get(name, BY_TYPE[type_.name])


def selection(type_: GraphQLOutputType) -> str:
    """Enough of the answer to see whether anything of Alpha came back."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return (
            "{ __typename }" if not isinstance(named, GraphQLScalarType | GraphQLEnumType) else ""
        )
    parts = []
    for name, f in named.fields.items():
        inner = get_named_type(f.type)
        if name == "errors":
            parts.append("errors { code field message }")
        elif name == "edges":
            parts.append("edges { node { __typename } }")
        elif isinstance(inner, GraphQLScalarType | GraphQLEnumType) and not f.args:
            parts.append(name)
        elif not f.args:
            parts.append(f"{name} {{ __typename }}")
    return "{ " + " ".join(parts) + " }"


def operation(kind: str, name: str, f: GraphQLField, args: dict[str, Any]) -> str:
    decls = ", ".join(f"${a}: {f.args[a].type}" for a in args)
    call = ", ".join(f"{a}: ${a}" for a in args)
    head = f"{kind}({decls})" if decls else kind
    inner = f"{name}({call})" if call else name
    return f"{head} {{ {inner} {selection(f.type)} }}"


def arguments(f: GraphQLField, world: World) -> dict[str, Any]:
    built = {}
    for arg_name, arg in f.args.items():
        if arg_name in SKIPPED:
            continue
        required = isinstance(arg.type, GraphQLNonNull)
        refers = "ID" in str(arg.type) or isinstance(
            get_named_type(arg.type), GraphQLInputObjectType
        )
        if required or refers or arg_name in PLAUSIBLE:
            built[arg_name] = value_for(arg_name, arg.type, world)
    return built


def root_fields() -> list[tuple[str, str, GraphQLField]]:
    s = schema._schema
    found = []
    for kind, root in (
        ("query", s.query_type),
        ("mutation", s.mutation_type),
        ("subscription", s.subscription_type),
    ):
        assert root is not None
        found.extend((kind, name, f) for name, f in root.fields.items())
    return found


def test_every_root_field_has_an_expectation() -> None:
    coordinates = {f"{k.capitalize()}.{n}" for k, n, _ in root_fields()}
    missing = sorted(coordinates - set(EXPECTED))
    assert not missing, f"say what a stranger gets from {missing} in EXPECTED"
    assert not set(EXPECTED) - coordinates, "EXPECTED names fields the schema no longer has"


def check_refused(coordinate: str, body: dict[str, Any], name: str) -> None:
    if body.get("errors"):  # a query's top-level refusal
        codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
        assert codes == {"NOT_FOUND"}, (coordinate, body)
        assert not (body.get("data") or {}).get(name), (coordinate, body)
        return
    payload = body["data"][name]
    codes = {e["code"] for e in payload["errors"]}
    assert codes and codes <= {"NOT_FOUND", "PERMISSION_DENIED"}, (coordinate, payload)
    for key, value in payload.items():
        if key != "errors":
            assert value in (None, []), (coordinate, key, value)


async def call_as(gql: GraphQLClient, base: str, who: Actor, world: World) -> None:
    alpha_school = world.gid("School")
    before = await snapshot()
    for kind, name, f in root_fields():
        coordinate = f"{kind.capitalize()}.{name}"
        expected = EXPECTED[coordinate]
        args = arguments(f, world)
        query = operation(kind, name, f, args)
        if name == "node":
            for gid in world.node_ids():
                body = await gql(query, {"id": gid}, token=who.token)
                assert body == {"data": {"node": None}}, (gid, body)
        elif kind == "subscription":
            first = await first_message(ws_url(base), who.token, query, args)
            assert refusal_codes(first) == ["NOT_FOUND"], (coordinate, first)
        else:
            body = await gql(query, args, token=who.token)
            if expected == "refused":
                check_refused(coordinate, body, name)
            elif expected == "own" and name == "viewer":
                assert body["data"]["viewer"]["email"] == who.user.email, body
            elif expected == "own":
                assert body["data"][name] is not None, body
                assert alpha_school not in {s["id"] for s in body["data"][name]}, body
            elif expected == "creates":
                alpha_account = world.s.school.account_id
                assert await School.filter(account_id=alpha_account).count() == 2
                before = await snapshot()  # the caller's own school: not Alpha's business
                continue
            else:
                raise AssertionError(f"unknown expectation {expected!r} of {coordinate}")
        after = await snapshot()
        assert not changed(before, after), (coordinate, changed(before, after))


async def first_message(
    url: str, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The first answer to a subscription: for a foreign run it must be the error, not data."""
    async with websockets.connect(url, subprotocols=[websockets.Subprotocol(PROTOCOL)]) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        payload = {"query": query, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return answer


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
async def test_no_root_field_reaches_a_school_the_caller_may_not_see(
    world: World, gql: GraphQLClient, who: str
) -> None:
    # given real objects of every type in Alpha, and someone who may not see Alpha
    actor: Actor = getattr(world, who)
    async with serve_app(create_app(manage_runtime=False)) as base:
        # when they call every query, mutation and subscription with Alpha's ids
        # then each answers NOT_FOUND / null / nothing of Alpha, and no row changed
        await call_as(gql, base, actor, world)
