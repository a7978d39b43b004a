"""A world to attack: account Alpha with real objects of every type, and the people who must
not reach them (Beta's ADMIN; a FINANCE user of Alpha granted another school only)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tortoise import Tortoise

from api.ids import encode_id
from domain import db as dbmod
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
    Invoice,
    Payment,
    Role,
    ScopeKind,
    Student,
    StudentDiscount,
)
from tests.billing_helpers import bill, new_run, populate
from tests.factories import Actor, Factory, SchoolSet


@dataclass
class World:
    alpha: SchoolSet
    owner: Actor
    """ADMIN of Alpha: every object below is theirs."""
    sibling: SchoolSet
    stranger: Actor
    """ADMIN of another account (Beta), with a school of their own."""
    ungranted: Actor
    """FINANCE in Alpha's account, granted the sibling school only."""
    completed: BillingRun
    draft: BillingRun
    paid: Invoice
    unpaid: Invoice
    payment: Payment
    ids: dict[str, int] = field(default_factory=dict)
    """One real pk of Alpha per GraphQL type name, for generated arguments."""

    def gid(self, type_name: str) -> str:
        return encode_id(type_name, self.ids[type_name])

    def node_ids(self) -> list[str]:
        """Global ids of every object of Alpha that `node` can resolve."""
        extra = [
            encode_id("BillingRun", self.completed.id),
            encode_id("Invoice", self.paid.id),
        ]
        return [self.gid(t) for t in NODE_TYPES] + extra


NODE_TYPES = [
    "School",
    "Term",
    "Grade",
    "Stream",
    "SchoolClass",
    "Student",
    "FeeStructure",
    "BillingRun",
    "Invoice",
    "Payment",
    "User",
    "FeeItem",
    "FeeCategory",
    "Family",
    "Discount",
    "FeeSubscription",
    "StudentDiscount",
]


async def build_world(factory: Factory) -> World:
    account = await factory.account("Alpha Group")
    alpha = await factory.school(account, name="Alpha")
    sibling = await factory.school(account, name="Alpha Two")
    owner = await factory.actor(account, Role.ADMIN)
    await populate(factory, alpha, per_class=1)
    completed = await bill(owner, await new_run(owner, alpha))
    invoices = await Invoice.filter(billing_run_id=completed.id).order_by("id")
    paid, unpaid = invoices[0], invoices[1]
    await record_payment(
        owner.caller, paid.id, amount=Decimal("100.00"), paid_on=date(2026, 1, 10), method="Cash"
    )
    payment = await Payment.get(invoice_id=paid.id)
    student = await factory.student(alpha.school, alpha.classes[0])
    draft = await new_run(owner, alpha, scope=ScopeSpec(ScopeKind.MANUAL, student_ids=[student.id]))
    pricing = await _pricing(alpha, student)
    other = await factory.account("Beta Group")
    await factory.school(other, name="Beta")
    token = await ApiToken.filter(user_id=owner.user.id).first()
    assert token is not None
    world = World(
        alpha=alpha,
        owner=owner,
        sibling=sibling,
        stranger=await factory.actor(other, Role.ADMIN),
        ungranted=await factory.actor(account, Role.FINANCE, [sibling.school]),
        completed=completed,
        draft=draft,
        paid=await Invoice.get(id=paid.id),
        unpaid=unpaid,
        payment=payment,
    )
    world.ids = {
        "School": alpha.school.id,
        "Term": alpha.term.id,
        "Grade": alpha.grades[0].id,
        "Stream": alpha.streams[0].id,
        "SchoolClass": alpha.classes[0].id,
        "Student": student.id,
        "FeeStructure": alpha.fee.id,
        "BillingRun": draft.id,
        "Invoice": unpaid.id,
        "Payment": payment.id,
        "User": owner.user.id,
        "ApiToken": token.id,
        **pricing,
    }
    return world


async def _pricing(alpha: SchoolSet, student: Student) -> dict[str, int]:
    """One object of each pricing type in Alpha, the student subscribed and discounted."""
    item = await FeeItem.create(
        fee_structure_id=alpha.fee.id,
        name="Bus",
        amount=Decimal("2000.00"),
        position=9,
        kind=FeeItemKind.OPTIONAL,
    )
    category = await FeeCategory.create(school_id=alpha.school.id, name="Boarder")
    family = await Family.create(school_id=alpha.school.id, name="Kamau")
    discount = await Discount.create(
        school_id=alpha.school.id, name="Bursary", kind=DiscountKind.PERCENTAGE, value=50
    )
    subscription = await FeeSubscription.create(
        student_id=student.id, fee_item_id=item.id, from_term_id=alpha.term.id
    )
    granted = await StudentDiscount.create(
        student_id=student.id, discount_id=discount.id, from_term_id=alpha.term.id
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


def tables() -> list[str]:
    """Every table of the models, so that a new model is watched without editing a list."""
    return sorted(m._meta.db_table for m in Tortoise.apps["models"].values())


async def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row (all columns) of every table."""
    conn = dbmod.conn()
    state = {}
    for table in tables():
        _, rows = await conn.execute_query(f"SELECT * FROM {table} ORDER BY 1")
        digest = hashlib.sha256(repr([sorted(dict(r).items()) for r in rows]).encode())
        state[table] = (len(rows), digest.hexdigest()[:16])
    return state


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [t for t in before if before[t] != after.get(t)]
