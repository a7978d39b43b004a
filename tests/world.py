"""The one world builder: school Alpha of one account, the people around it, and on request
its students, invoices, or a billed history with objects of every type.

The people are always there: those who may act on Alpha (its ADMIN, a FINANCE user and a
VIEWER granted it) and those who must not reach it (a FINANCE user of the same account
granted only a sibling school, and the ADMIN of another account with a school of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from api.ids import encode_id
from domain.billing.scope import ScopeSpec
from domain.invoices import record_payment
from domain.models import (
    ApiToken,
    BillingRun,
    Discount,
    DiscountKind,
    Family,
    FeeCategory,
    FeeItem,
    FeeItemKind,
    FeeSubscription,
    ImportFormat,
    Invoice,
    MobileMoneyTransaction,
    Payment,
    Role,
    ScopeKind,
    Student,
    StudentDiscount,
)
from domain.money.credit_notes import issue_credit_note
from domain.money.imports import create_payment_import
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
    "CreditNote",
    "MobileMoneyTransaction",
    "PaymentImport",
    "User",
    "FeeItem",
    "FeeCategory",
    "Family",
    "Discount",
    "FeeSubscription",
    "StudentDiscount",
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
    note = await issue_credit_note(owner.caller, unpaid.id, amount=Decimal("1.00"), reason="Fee")
    statement = await create_payment_import(
        owner.caller,
        s.school.id,
        ImportFormat.SIMPLE_CSV,
        f"date,amount,reference,account\n2026-01-12,300.00,BANK-77,{paid.number}\n"
        "2026-01-13,120.00,BANK-78,nobody\n",
    )
    mobile = await MobileMoneyTransaction.create(
        school=s.school,
        transaction_id="TJ5QX7K2AB",
        amount=Decimal("250.00"),
        received_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
        paid_on=date(2026, 1, 15),
        account_reference="nobody",
        short_code="600100",
    )
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
        "CreditNote": note.id,
        "MobileMoneyTransaction": mobile.id,
        "PaymentImport": statement.id,
        "User": owner.user.id,
        "ApiToken": token.id,
        **await _pricing(s, student),
    }
    return History(
        completed,
        draft,
        await Invoice.get(id=paid.id),
        await Invoice.get(id=unpaid.id),
        payment,
        ids,
    )


async def _pricing(s: SchoolSet, student: Student) -> dict[str, int]:
    """One object of each pricing type in Alpha, the student subscribed and discounted."""
    item = await FeeItem.create(
        fee_structure_id=s.fee.id,
        name="Bus",
        amount=Decimal("2000.00"),
        position=9,
        kind=FeeItemKind.OPTIONAL,
    )
    category = await FeeCategory.create(school_id=s.school.id, name="Boarder")
    family = await Family.create(school_id=s.school.id, name="Kamau")
    discount = await Discount.create(
        school_id=s.school.id, name="Bursary", kind=DiscountKind.PERCENTAGE, value=50
    )
    subscription = await FeeSubscription.create(
        student_id=student.id, fee_item_id=item.id, from_term_id=s.term.id
    )
    granted = await StudentDiscount.create(
        student_id=student.id, discount_id=discount.id, from_term_id=s.term.id
    )
    student.fee_category_id = category.id
    student.family_id = family.id
    await student.save(update_fields=["fee_category_id", "family_id"])
    return {
        "FeeItem": item.id,
        "FeeCategory": category.id,
        "Family": family.id,
        "Discount": discount.id,
        "FeeSubscription": subscription.id,
        "StudentDiscount": granted.id,
    }
