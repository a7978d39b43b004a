"""Every mutation of the schema, fed generated garbage (unicode and control characters, huge
strings, impossible dates, NaN and over-precise decimals, random ids, huge lists): the answer
is always a client error or a payload, never a 500 or a masked bug, and a refused call writes
nothing.

Inputs come from the schema's own input types, so a new mutation is fuzzed without a change
here. Hypothesis generates the examples; they are sent one by one over HTTP (an async test
cannot run inside `@given`, so shrinking is traded for real requests).
"""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.ids import encode_id
from api.mutations import invoices as invoice_mutations
from api.mutations import runs as run_mutations
from api.schema import schema
from domain import db as dbmod
from domain.access import issue_token
from tests.client import GraphQLClient
from tests.security.test_tenancy_generated import id_type, selection
from tests.tables import tables
from tests.world import World

#: Examples per mutation; the CI default keeps the whole file well under a minute.
EXAMPLES = int(os.environ.get("BILLING_FUZZ_EXAMPLES", "25"))

NASTY_TEXT = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\u202e\u0000\ufeff", "\ud7ff", "😀" * 50, "x" * 100_000, "\n\t\r"]
)
TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT)
DECIMAL = st.one_of(
    st.sampled_from(
        [
            "NaN",
            "-NaN",
            "sNaN",
            "Infinity",
            "-Infinity",
            "1e1000",
            "1E-1000",
            "0.001",
            "-0.01",
            "9" * 40,
            "12.345",
            "1,000",
            "",
            "0x10",
            " 5 ",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "yesterday", ""]),
)
DATETIME = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-01-01T25:00:00", "9999-12-31T23:59:59+14:00", "now", ""]),
)
INT = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([-1, 0, 2**31, -(2**63)]))


def id_strategy(name: str, world: World) -> st.SearchStrategy[Any]:
    real = [encode_id(t, pk) for t, pk in world.ids.items()]
    try:
        own = [world.gid(id_type(name, set(world.ids)))]
    except AssertionError:
        own = []
    garbage = st.one_of(
        TEXT,
        st.binary(max_size=20).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        st.tuples(st.sampled_from([*world.ids, "Nope"]), st.integers(-5, 2**63)).map(
            lambda t: base64.urlsafe_b64encode(f"{t[0]}:{t[1]}".encode()).decode()
        ),
    )
    return (
        st.one_of(st.sampled_from(own + real), garbage)
        if own
        else st.one_of(st.sampled_from(real), garbage)
    )


def strategy(
    name: str, type_: GraphQLInputType, world: World, huge: bool = True
) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return strategy(name, type_.of_type, world, huge)
    return st.one_of(st.none(), _inner(name, type_, world, huge))


def _inner(
    name: str, type_: GraphQLInputType, world: World, huge: bool = True
) -> st.SearchStrategy[Any]:
    """Values of a type; `huge` allows one list of 1,001 or 5,001 copies (not nested ones)."""
    if isinstance(type_, GraphQLNonNull):
        return _inner(name, type_.of_type, world, huge)
    if isinstance(type_, GraphQLList):
        element = _inner(name, type_.of_type, world, huge=False)
        small = st.lists(element, max_size=3)
        if not huge:
            return small
        many = element.flatmap(lambda v: st.sampled_from([1001, 5001]).map(lambda n: [v] * n))
        return st.one_of(small, many)
    if isinstance(type_, GraphQLInputObjectType):
        required, optional = {}, {}
        for field_name, f in type_.fields.items():
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined:
                required[field_name] = _inner(field_name, f.type, world, huge)
            else:
                optional[field_name] = strategy(field_name, f.type, world, huge)
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.sampled_from(list(type_.values)), st.just("NOT_A_VALUE"))
    assert isinstance(type_, GraphQLScalarType)
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "String": TEXT,
        "Int": INT,
        "Float": st.floats(allow_nan=False),
        "Boolean": st.booleans(),
        "Decimal": DECIMAL,
        "Date": DATE,
        "DateTime": DATETIME,
    }
    if type_.name == "ID":
        return id_strategy(name, world)
    return by_type[type_.name]


def examples(f: GraphQLField, world: World) -> list[dict[str, Any]]:
    """Generated variables for one mutation."""
    args = st.fixed_dictionaries({n: _inner(n, a.type, world) for n, a in f.args.items()})
    found: list[dict[str, Any]] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # The same examples on every run, so that CI is stable; BILLING_FUZZ_RANDOM=1 explores.
        derandomize=os.environ.get("BILLING_FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
    )
    @given(args)
    def collect(value: dict[str, Any]) -> None:
        found.append(value)

    collect()
    return found


async def row_counts() -> list[int]:
    counts = ", ".join(f"(SELECT COUNT(*) FROM {t}) AS {t}" for t in tables())
    _, rows = await dbmod.conn().execute_query(f"SELECT {counts}")
    return [int(v) for v in dict(rows[0]).values()]


MUTATIONS = sorted(schema._schema.mutation_type.fields)  # type: ignore[union-attr]


@pytest.mark.parametrize("name", MUTATIONS)
async def test_generated_inputs_never_break_a_mutation(
    world: World, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # given the owner of Alpha (so that inputs reach deep into the services), with no queue
    async def nowhere(*args: Any) -> None:
        return None

    monkeypatch.setattr(run_mutations, "dispatch", nowhere)
    monkeypatch.setattr(invoice_mutations, "dispatch_notices", nowhere)
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    f = mutation_type.fields[name]
    decls = ", ".join(f"${a}: {arg.type}" for a, arg in f.args.items())
    call = ", ".join(f"{a}: ${a}" for a in f.args)
    query = f"mutation({decls}) {{ {name}({call}) {selection(f.type)} }}"
    for variables in examples(f, world):
        token = await issue_token(world.owner.user)  # revokeApiToken may revoke the one in use
        before = await row_counts()
        # when a generated input is sent
        response = await gql.post(query, variables, token=token)
        # then the answer is a client's error or a payload, never a 500 or a masked bug
        if response.status_code == 413:  # larger than any honest request: refused unread
            assert await row_counts() == before
            continue
        assert response.status_code == 200, (variables, response.text[:500])
        body = response.json()
        messages = [e["message"] for e in body.get("errors") or []]
        assert "Unexpected error." not in messages, (name, variables)
        payload = (body.get("data") or {}).get(name)
        refused = bool(messages) or payload is None or bool(payload.get("errors"))
        # and a refusal writes nothing
        if refused:
            assert await row_counts() == before, (name, variables, body)
