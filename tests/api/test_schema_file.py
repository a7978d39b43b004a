"""The committed schema.graphql is the schema the code serves."""

from __future__ import annotations

import difflib
from pathlib import Path

from api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    # given the SDL the code exports (as `billing export-schema` writes it)
    exported = schema.as_str() + "\n"
    # when compared with the committed file
    committed = SCHEMA_FILE.read_text()
    # then they are the same
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            exported.splitlines(keepends=True),
            "schema.graphql (committed)",
            "schema.graphql (from the code)",
            n=1,
        )
    )
    assert not diff, (
        f"schema.graphql is out of date: run `make schema` and commit it.\n{diff[:4000]}"
    )
