"""GET /exports/invoices.csv: bearer auth, the list's filters, streamed, formula-safe."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from api import exports
from api.ids import encode_id
from domain.models import Role
from tests.factories import Factory

URL = "/exports/invoices.csv"


def rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


async def test_export_lists_the_filtered_invoices_safely(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    # given a student whose name a spreadsheet would run as a formula, and a partial payment
    s, actor = await factory.school_with(Role.VIEWER)
    evil = await factory.student(s.school, s.classes[0], last_name="=HYPERLINK(1)")
    plain = await factory.student(s.school, None)
    first = await factory.invoice(s, evil)
    second = await factory.invoice(s, plain)
    await factory.payment(first, amount="100.00", paid_on="2026-01-06")
    await first.update_from_dict({"amount_paid": "100.00", "status": "PARTIALLY_PAID"}).save()
    headers = {"Authorization": f"Bearer {actor.token}"}
    params = {"schoolId": encode_id("School", s.school.id)}
    # when
    got = rows(await http.get(URL, params=params, headers=headers))
    # then newest first, every column, the formula defused
    assert got == [
        exports.HEADER,
        [
            second.number,
            f"{plain.first_name} {plain.last_name}",
            plain.admission_number,
            "",
            "2026-01-05",
            "2026-02-05",
            "ISSUED",
            "KES",
            "19500.50",
            "0.00",
            "19500.50",
        ],
        [
            first.number,
            f"{evil.first_name} =HYPERLINK(1)",
            evil.admission_number,
            s.classes[0].name,
            "2026-01-05",
            "2026-02-05",
            "PARTIALLY_PAID",
            "KES",
            "19500.50",
            "100.00",
            "19400.50",
        ],
    ]
    # and the filters of the list apply
    filtered = rows(
        await http.get(URL, params={**params, "statuses": "PARTIALLY_PAID"}, headers=headers)
    )
    assert [r[0] for r in filtered[1:]] == [first.number]
    by_run = rows(
        await http.get(
            URL, params={**params, "billingRunId": encode_id("BillingRun", 1)}, headers=headers
        )
    )
    assert by_run == [exports.HEADER]


def test_cells_that_spreadsheets_would_run_are_quoted() -> None:
    for text in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert exports.safe(text) == "'" + text
    assert exports.safe("Ann") == "Ann"
    assert exports.safe(None) == ""


async def test_export_streams_page_after_page(
    http: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "PAGE", 2)
    account = await factory.account()
    s = await factory.school(account)
    actor = await factory.actor(account, Role.ADMIN)
    invoices = [await factory.invoice(s, await factory.student(s.school)) for _ in range(5)]
    got = rows(
        await http.get(
            URL,
            params={"schoolId": encode_id("School", s.school.id)},
            headers={"Authorization": f"Bearer {actor.token}"},
        )
    )
    assert [r[0] for r in got[1:]] == [i.number for i in reversed(invoices)]


async def test_export_needs_a_token_and_a_visible_school(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    account = await factory.account()
    s = await factory.school(account)
    stranger = await factory.actor(await factory.account(), Role.ADMIN)
    params = {"schoolId": encode_id("School", s.school.id)}
    missing = await http.get(URL, params=params)
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    foreign = await http.get(
        URL, params=params, headers={"Authorization": f"Bearer {stranger.token}"}
    )
    assert foreign.status_code == 404
    assert foreign.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad = await http.get(
        URL,
        params={**params, "statuses": "LOST"},
        headers={"Authorization": f"Bearer {stranger.token}"},
    )
    assert bad.status_code == 400
