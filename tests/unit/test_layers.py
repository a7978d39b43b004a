"""Imports point one way: the domain names what it needs and imports no transport library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Libraries that only adapters/, workers/ or api/ may import.
TRANSPORTS = {"aiosmtplib", "httpx", "redis", "dramatiq", "strawberry", "starlette"}


def _imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            found += [(str(path.relative_to(ROOT)), name) for name in names]
    return found


def test_the_domain_imports_no_transport_and_no_outer_layer() -> None:
    wrong = [
        (path, name)
        for path, name in _imports("domain")
        if name.split(".")[0] in TRANSPORTS | {"api", "workers", "adapters"}
    ]
    assert wrong == []


def test_adapters_import_neither_api_nor_workers() -> None:
    assert [(p, n) for p, n in _imports("adapters") if n.split(".")[0] in {"api", "workers"}] == []
