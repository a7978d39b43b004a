"""Helpers for billing-run tests: a school full of students and a run driven to the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.ids import encode_id
from domain.access import Caller
from domain.billing.confirm import confirm_billing_run
from domain.billing.generation import generate_chunk
from domain.billing.preview import preview_billing_run
from domain.billing.runs import create_billing_run
from domain.billing.scope import ScopeSpec
from domain.models import BillingRun, Invoice, Role, ScopeKind
from tests.factories import Actor, Factory, SchoolSet

#: The due date of test runs unless given.
DUE = date(2026, 2, 5)


@dataclass
class Recorder:
    """A dispatch that records what would be enqueued, for driving chunks by hand."""

    sent: list[tuple[int, int]] = field(default_factory=list)

    async def __call__(self, run_id: int, chunks: list[int]) -> None:
        self.sent.extend((run_id, c) for c in chunks)

    async def drain(self) -> None:
        while self.sent:
            run_id, chunk = self.sent.pop(0)
            await generate_chunk(run_id, chunk)


async def populate(factory: Factory, s: SchoolSet, per_class: int) -> None:
    for klass in s.classes:
        for _ in range(per_class):
            await factory.student(s.school, klass)


async def draft_run(
    caller: Caller,
    school_id: int,
    term_id: int,
    fee_structure_id: int,
    scope: ScopeSpec | None = None,
    invoice_date: date = date(2026, 1, 5),
    due_date: date = DUE,
) -> BillingRun:
    """A DRAFT run, of every student unless a scope is given, invoiced 5 January 2026."""
    return await create_billing_run(
        caller,
        school_id=school_id,
        term_id=term_id,
        fee_structure_id=fee_structure_id,
        scope=scope or ScopeSpec(ScopeKind.ALL_STUDENTS),
        invoice_date=invoice_date,
        due_date=due_date,
    )


async def new_run(
    actor: Actor, s: SchoolSet, scope: ScopeSpec | None = None, due_date: date = DUE
) -> BillingRun:
    """A DRAFT run of the test school's Term 1 fee structure (every student by default)."""
    return await draft_run(actor.caller, s.school.id, s.term.id, s.fee.id, scope, due_date=due_date)


async def bill(actor: Actor, run: BillingRun, recorder: Recorder | None = None) -> BillingRun:
    """Preview, confirm and generate every chunk of a run."""
    rec = recorder or Recorder()
    await preview_billing_run(actor.caller, run.id)
    await confirm_billing_run(actor.caller, run.id, dispatch=rec)
    await rec.drain()
    return await BillingRun.get(pk=run.id)


async def confirmed(
    actor: Actor, s: SchoolSet, scope: ScopeSpec | None = None
) -> tuple[BillingRun, Recorder]:
    """A run previewed and confirmed, its chunk messages recorded rather than sent."""
    run = await preview_billing_run(actor.caller, (await new_run(actor, s, scope)).id)
    recorder = Recorder()
    return await confirm_billing_run(actor.caller, run.id, dispatch=recorder), recorder


def run_input(s: SchoolSet, **over: Any) -> dict[str, Any]:
    """A CreateBillingRunInput for all students of a school, Term 1 2026; override any field."""
    value: dict[str, Any] = {
        "schoolId": encode_id("School", s.school.id),
        "termId": encode_id("Term", s.term.id),
        "feeStructureId": encode_id("FeeStructure", s.fee.id),
        "scope": {"kind": "ALL_STUDENTS"},
        "invoiceDate": "2026-01-05",
        "dueDate": "2026-02-05",
    }
    value.update(over)
    return value


async def billed_invoice(factory: Factory) -> tuple[Actor, BillingRun, Invoice]:
    """A completed run of one student per class of a new school, billed by its ADMIN: the
    ADMIN, the run and one of its invoices."""
    account = await factory.account()
    s = await factory.school(account)
    await populate(factory, s, per_class=1)
    admin = await factory.actor(account, Role.ADMIN)
    run = await bill(admin, await new_run(admin, s))
    invoice = await Invoice.filter(billing_run_id=run.id).first()
    assert invoice is not None
    return admin, run, invoice
