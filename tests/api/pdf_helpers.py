"""What the document tests share: a billed school with a profile, reading PDFs back, money."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx
from pypdf import PdfReader

from domain.models import BillingRun, Role, School
from tests.billing_helpers import bill, new_run, populate
from tests.factories import Actor, Factory, SchoolSet

A4 = (595, 842)  # points, rounded


@dataclass
class Billed:
    s: SchoolSet
    admin: Actor
    viewer: Actor
    stranger: Actor
    run: BillingRun


#: Something done to a school before it is billed (opening balances, discounts).
Prepare = Callable[[SchoolSet, Actor], Awaitable[None]]


async def billed(factory: Factory, per_class: int = 1, prepare: Prepare | None = None) -> Billed:
    """A Kenyan school with a full profile, one student per class (or more), billed once."""
    account = await factory.account()
    s = await factory.school(account, name="Riverside Academy")
    await School.filter(id=s.school.id).update(
        address="P.O. Box 1234-00100\nNairobi",
        phone="+254712345678",
        email="bursar@riverside.example.org",
        payment_instructions="M-Pesa Paybill 123456, account: admission number",
    )
    await populate(factory, s, per_class=per_class)
    admin = await factory.actor(account, Role.ADMIN)
    if prepare is not None:
        await prepare(s, admin)
    run = await bill(admin, await new_run(admin, s))
    return Billed(
        s=s,
        admin=admin,
        viewer=await factory.actor(account, Role.VIEWER, [s.school]),
        stranger=await factory.actor(await factory.account(), Role.ADMIN),
        run=run,
    )


def pdf_text(pdf: bytes) -> list[str]:
    """Each page's text, as a reader (or a screen reader) gets it."""
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def page_size(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def kes(amount: str | Decimal) -> str:
    """An amount as a Kenyan school's documents print it: `KES 12,500.00`."""
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"KES {sign}{abs(value):,.2f}"


def printed(text: str, label: str) -> Decimal:
    """The KES amount printed after `label` (e.g. `Total due KES 1,250.00`)."""
    found = re.search(re.escape(label) + r" KES (-?[\d,]+\.\d\d)", text)
    assert found, (label, text)
    return Decimal(found.group(1).replace(",", ""))


async def get(http: httpx.AsyncClient, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.get(path, headers=headers)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code
