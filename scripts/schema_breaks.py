#!/usr/bin/env python3
"""Fail on a breaking change of schema.graphql that docs/deprecations.md does not document.

Compares the working tree's schema.graphql with the one at a git ref (default HEAD~1, the
main branch's previous commit; set SCHEMA_BASE_REF or pass --base to change it) using
graphql-core's find_breaking_changes. A break passes only when its description, as printed
here, appears in docs/deprecations.md together with the deprecation path for clients.

Usage: python scripts/schema_breaks.py [--base REF] [--schema schema.graphql]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from graphql import build_schema
from graphql.utilities import find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parents[1]
DEPRECATIONS = ROOT / "docs" / "deprecations.md"


def schema_at(ref: str, path: str) -> str | None:
    """The SDL at a git ref, or None when the ref or the file does not exist there."""
    shown = subprocess.run(
        ["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return shown.stdout if shown.returncode == 0 else None


def undocumented(breaks: list[str], documented: str) -> list[str]:
    """The breaks whose description is not in the deprecations document."""
    text = " ".join(documented.lower().split())
    return [b for b in breaks if " ".join(b.lower().split()) not in text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("SCHEMA_BASE_REF", "HEAD~1"))
    parser.add_argument("--schema", default="schema.graphql")
    args = parser.parse_args(argv)

    old_sdl = schema_at(args.base, args.schema)
    if old_sdl is None:
        print(f"schema-breaks: no {args.schema} at {args.base}; nothing to compare")
        return 0
    new_sdl = (ROOT / args.schema).read_text()
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    breaks = [c.description for c in find_breaking_changes(old, new)]
    for change in find_dangerous_changes(old, new):
        print(f"schema-breaks: dangerous (allowed): {change.description}")
    documented = DEPRECATIONS.read_text() if DEPRECATIONS.exists() else ""
    missing = undocumented(breaks, documented)
    if not missing:
        print(
            f"schema-breaks: {len(breaks)} breaking change(s) against {args.base}, all documented"
        )
        return 0
    print(
        f"schema-breaks: {len(missing)} breaking change(s) against {args.base} not in {DEPRECATIONS.relative_to(ROOT)}:"
    )
    for description in missing:
        print(f"  - {description}")
    print("Add each line above to docs/deprecations.md with the clients' migration path,")
    print("or keep the old field (deprecated) until clients have moved.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
