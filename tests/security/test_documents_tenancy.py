"""The document routes keep tenancy as the API does: Alpha's invoices, runs, receipts and
statements, asked for by someone who may not see Alpha (another account's ADMIN, or FINANCE
of a sibling school), answer 404 exactly as ids that never existed; Alpha's owner gets the
PDFs."""

from __future__ import annotations

import httpx
import pytest

from api.ids import encode_id
from tests.tables import changed, snapshot
from tests.world import World

PERIOD = "?from=2025-01-01&to=2026-12-31"


def _paths(world: World) -> list[str]:
    past = world.history
    return [
        f"/documents/invoices/{encode_id('Invoice', past.paid.id)}.pdf",
        f"/documents/invoices/{encode_id('Invoice', past.unpaid.id)}.pdf",
        f"/documents/billing-runs/{encode_id('BillingRun', past.completed.id)}.pdf",
        f"/documents/billing-runs/{encode_id('BillingRun', past.draft.id)}.pdf",
        f"/documents/receipts/{encode_id('Payment', past.payment.id)}.pdf",
        f"/documents/statements/{encode_id('Student', past.paid.student_id)}.pdf{PERIOD}",
    ]


@pytest.mark.parametrize("who", ["stranger", "ungranted"])
async def test_documents_of_a_school_the_caller_may_not_see_are_not_found(
    world: World, http: httpx.AsyncClient, who: str
) -> None:
    headers = {"Authorization": f"Bearer {getattr(world, who).token}"}
    never = {
        "invoices": encode_id("Invoice", 2**40),
        "billing-runs": encode_id("BillingRun", 2**30),
        "receipts": encode_id("Payment", 2**40),
        "statements": encode_id("Student", 2**30),
    }
    before = await snapshot()
    for path in _paths(world):
        kind = path.split("/")[2]
        response = await http.get(path, headers=headers)
        query = PERIOD if kind == "statements" else ""
        absent = await http.get(f"/documents/{kind}/{never[kind]}.pdf{query}", headers=headers)
        assert response.status_code == absent.status_code == 404, (who, path)
        assert response.json() == absent.json(), (who, path)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert not changed(before, await snapshot())


async def test_the_owner_gets_every_document(world: World, http: httpx.AsyncClient) -> None:
    for path in _paths(world):
        response = await http.get(path, headers={"Authorization": f"Bearer {world.owner.token}"})
        assert response.status_code == 200, path
        assert response.content.startswith(b"%PDF-")
