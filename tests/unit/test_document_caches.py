"""A repeated document is parsed and validated once: the second time costs nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql.language.parser import Parser

from api.schema import build_schema


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Calls of graphql-core's parser and of its validator, as Strawberry makes them."""
    seen = {"parse": 0, "validate": 0}
    parse_document = Parser.parse_document
    validate = strawberry_schema.validate

    def counted_parse(self: Parser) -> Any:
        seen["parse"] += 1
        return parse_document(self)

    def counted_validate(*args: Any, **kwargs: Any) -> Any:
        seen["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(Parser, "parse_document", counted_parse)
    monkeypatch.setattr(strawberry_schema, "validate", counted_validate)
    return seen


async def test_a_repeated_document_is_parsed_and_validated_once(counts: dict[str, int]) -> None:
    schema = build_schema(debug=False)
    # A text no earlier test sent (the caches are shared by the whole process).
    document = f"# {uuid.uuid4()}\nquery Probe {{ __typename }}"
    for _ in range(3):
        result = await schema.execute(document)
        assert result.errors is None
        assert result.data == {"__typename": "Query"}
    assert counts == {"parse": 1, "validate": 1}


async def test_the_limits_still_hold_with_cached_validation(counts: dict[str, int]) -> None:
    schema = build_schema(debug=False)
    aliases = " ".join(f"a{n}: __typename" for n in range(40))
    document = f"# {uuid.uuid4()}\n{{ {aliases} }}"
    for _ in range(2):
        result = await schema.execute(document)
        assert result.errors, "more aliases than allowed must be refused every time"
        assert "aliases" in result.errors[0].message
    assert counts["validate"] == 1
