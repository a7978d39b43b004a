"""Pure billing rules: run names, final status, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from domain.billing.generation import final_status
from domain.billing.preview import warnings
from domain.billing.runs import run_name
from domain.billing.scope import RunScope
from domain.models import RunStatus, ScopeKind


def _named(name: str) -> Any:
    return SimpleNamespace(name=name)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (RunScope(ScopeKind.ALL_STUDENTS), "Term 1 2026 · Term Tuition Fee · All students"),
        (
            RunScope(ScopeKind.GRADE, ref_id=1, ref_name="Grade 4"),
            "Term 1 2026 · Term Tuition Fee · Grade 4",
        ),
        (
            RunScope(ScopeKind.STREAM, ref_id=1, ref_name="East"),
            "Term 1 2026 · Term Tuition Fee · East stream",
        ),
        (
            RunScope(ScopeKind.SCHOOL_CLASS, ref_id=1, ref_name="Grade 4 East"),
            "Term 1 2026 · Term Tuition Fee · Grade 4 East",
        ),
        (
            RunScope(ScopeKind.MANUAL, student_ids=(1,)),
            "Term 1 2026 · Term Tuition Fee · 1 selected student",
        ),
        (
            RunScope(ScopeKind.MANUAL, student_ids=(1, 2, 3)),
            "Term 1 2026 · Term Tuition Fee · 3 selected students",
        ),
    ],
)
def test_a_run_is_named_after_term_fee_and_scope(scope: RunScope, expected: str) -> None:
    assert (
        run_name(cast(Any, _named("Term 1 2026")), cast(Any, _named("Term Tuition Fee")), scope)
        == expected
    )


@pytest.mark.parametrize(
    ("invoiced", "failed", "status"),
    [
        (10, 0, RunStatus.COMPLETED),
        (0, 0, RunStatus.COMPLETED),  # everyone was already invoiced: nothing failed
        (9, 1, RunStatus.PARTIALLY_COMPLETED),
        (0, 3, RunStatus.FAILED),
    ],
)
def test_the_last_chunk_settles_the_status(invoiced: int, failed: int, status: RunStatus) -> None:
    assert final_status(invoiced, failed) == status


def _run(invoice_date: date, due_date: date, previewed: bool = True, count: int = 5) -> Any:
    return SimpleNamespace(
        invoice_date=invoice_date,
        due_date=due_date,
        preview_generated_at=datetime.now(UTC) if previewed else None,
        preview_invoice_count=count,
    )


def test_a_due_date_under_14_days_warns() -> None:
    found = warnings(_run(date(2026, 1, 5), date(2026, 1, 18)))
    assert [w.code for w in found] == ["DUE_DATE_TOO_SOON"]
    assert "13 days" in found[0].message


def test_14_days_or_more_does_not_warn() -> None:
    assert warnings(_run(date(2026, 1, 5), date(2026, 1, 19))) == []


def test_an_empty_preview_warns_nothing_to_bill() -> None:
    assert [w.code for w in warnings(_run(date(2026, 1, 5), date(2026, 2, 5), count=0))] == [
        "NOTHING_TO_BILL"
    ]
