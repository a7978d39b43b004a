"""The one world builder: school Alpha of one account, the people around it, and on request
its students, invoices, or a billed history with objects of every type.

The people are always there: those who may act on Alpha (its ADMIN, a FINANCE user and a
VIEWER granted it) and those who must not reach it (a FINANCE user of the same account
granted only a sibling school, and the ADMIN of another account with a school of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from api.ids import encode_id
from domain.billing.runs import ScopeSpec
from domain.invoices import record_payment
from domain.models import ApiToken, BillingRun, Invoice, Payment, Role, ScopeKind, Student
from tests.billing_helpers import bill, new_run
from tests.factories import Actor, Factory, SchoolSet

#: The GraphQL types `node` resolves, each with a real object in a world built with history.
NODE_TYPES = [
    "School",
    "Term",
    "Grade",
    "Stream",
    "SchoolClass",
    "Student",
    "FeeStructure",
    "FeeItem",
    "BillingRun",
    "Invoice",
    "Payment",
    "User",
]


@dataclass
class History:
    """Alpha's billed past: a COMPLETED run of all its students, one of its invoices partly
    paid and one unpaid, the payment, and a DRAFT run over one student enrolled since."""

    completed: BillingRun
    draft: BillingRun
    paid: Invoice
    unpaid: Invoice
    payment: Payment
    ids: dict[str, int]
    """One real pk of Alpha per GraphQL type name, for generated arguments."""


@dataclass
class World:
    s: SchoolSet
    """School Alpha."""
    owner: Actor
    """ADMIN of Alpha's account."""
    finance: Actor
    """FINANCE granted Alpha."""
    viewer: Actor
    """VIEWER granted Alpha."""
    sibling: SchoolSet
    """Alpha Two, another school of the same account."""
    ungranted: Actor
    """FINANCE in Alpha's account, granted the sibling school only."""
    beta: SchoolSet
    """A school of another account (Beta)."""
    stranger: Actor
    """ADMIN of Beta's account."""
    students: list[Student] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    past: History | None = None

    @property
    def history(self) -> History:
        assert self.past is not None, "build the world with history=True"
        return self.past

    @property
    def ids(self) -> dict[str, int]:
        return self.history.ids

    def gid(self, type_name: str) -> str:
        return encode_id(type_name, self.ids[type_name])

    def node_ids(self) -> list[str]:
        """Global ids of every object of Alpha that `node` can resolve."""
        extra = [
            encode_id("BillingRun", self.history.completed.id),
            encode_id("Invoice", self.history.paid.id),
        ]
        return [self.gid(t) for t in NODE_TYPES] + extra


async def build_world(
    factory: Factory,
    *,
    students: int = 0,
    bulk: bool = False,
    invoices: bool = False,
    history: bool = False,
) -> World:
    """The world, with `students` in Alpha (round the classes; `bulk`: set-based, without
    guardians, not listed), an invoice written directly for each (`invoices`), or a `history`
    billed through the domain."""
    account = await factory.account("Alpha Group")
    s = await factory.school(account, name="Alpha")
    sibling = await factory.school(account, name="Alpha Two")
    other = await factory.account("Beta Group")
    world = World(
        s=s,
        owner=await factory.actor(account, Role.ADMIN),
        finance=await factory.actor(account, Role.FINANCE, [s.school]),
        viewer=await factory.actor(account, Role.VIEWER, [s.school]),
        sibling=sibling,
        ungranted=await factory.actor(account, Role.FINANCE, [sibling.school]),
        beta=await factory.school(other, name="Beta"),
        stranger=await factory.actor(other, Role.ADMIN),
    )
    if bulk:
        await factory.bulk_students(s, students)
    else:
        for n in range(students):
            world.students.append(await factory.student(s.school, s.classes[n % len(s.classes)]))
    if invoices:
        world.invoices = [await factory.invoice(s, st) for st in world.students]
    if history:
        world.past = await _history(factory, world)
    return world


async def _history(factory: Factory, world: World) -> History:
    s, owner = world.s, world.owner
    completed = await bill(owner, await new_run(owner, s))
    billed = await Invoice.filter(billing_run_id=completed.id).order_by("id")
    paid, unpaid = billed[0], billed[1]
    await record_payment(
        owner.caller, paid.id, amount=Decimal("100.00"), paid_on=date(2026, 1, 10), method="Cash"
    )
    payment = await Payment.get(invoice_id=paid.id)
    student = await factory.student(s.school, s.classes[0])
    draft = await new_run(owner, s, scope=ScopeSpec(ScopeKind.MANUAL, student_ids=[student.id]))
    token = await ApiToken.filter(user_id=owner.user.id).first()
    assert token is not None
    ids = {
        "School": s.school.id,
        "Term": s.term.id,
        "Grade": s.grades[0].id,
        "Stream": s.streams[0].id,
        "SchoolClass": s.classes[0].id,
        "Student": student.id,
        "FeeStructure": s.fee.id,
        "FeeItem": s.items[0].id,
        "BillingRun": draft.id,
        "Invoice": unpaid.id,
        "Payment": payment.id,
        "User": owner.user.id,
        "ApiToken": token.id,
    }
    return History(completed, draft, await Invoice.get(id=paid.id), unpaid, payment, ids)
