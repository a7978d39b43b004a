"""The statement of a student's or a family's account over a period, as a guardian reads it.

The numbers are the ledger's own statement (domain/money/ledger.py), the one Ledger.statement
answers in the API: this module only words them for paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode
from domain.letterheads import Letterhead, letterhead, writer_for
from domain.models import Family, Role, School, SchoolClass, Student
from domain.money.family import family_ledger
from domain.money.ledger import Entry, EntryKind, Ledger, Statement, statement, student_ledger

#: The entries whose description (a fee structure, a reason) does not say what they are.
KIND_WORDS = {EntryKind.INVOICE: "Invoice: ", EntryKind.CREDIT_NOTE: "Credit note: "}
#: The entries of one student, named on a family's statement (a family payment is the family's).
OWN_ENTRIES = {EntryKind.OPENING_BALANCE, EntryKind.INVOICE, EntryKind.CREDIT_NOTE}


@dataclass(frozen=True)
class StatementLine:
    """One ledger entry: debit or credit ("" for the other) and the balance after it."""

    date: str
    reference: str
    description: str
    debit: str
    credit: str
    balance: str


@dataclass(frozen=True)
class StatementSheet:
    """Everything one printed statement says, as text ready to print."""

    head: Letterhead
    account: str
    account_lines: list[str]
    start: str
    end: str
    issued_on: str
    opening_balance: str
    lines: list[StatementLine]
    total_invoiced: str
    total_paid: str
    total_credited: str
    closing_balance: str


class StatementRenderer(Protocol):
    """Typesets statements (implemented in adapters/pdf), off the event loop."""

    async def render_statement(self, sheet: StatementSheet) -> bytes: ...


@dataclass(frozen=True)
class Account:
    """A student or a family whose statement may be printed."""

    school_id: int
    student: Student | None
    family: Family | None


async def visible_account(caller: Caller, kind: str, pk: int | None) -> Account:
    """A student or family (by the id's type) the caller may read, else NOT_FOUND."""
    if kind == "Family":
        family = await get_visible(caller, Family, pk, "Family", ["id"])
        caller.require(Role.VIEWER, family.school_id)
        return Account(family.school_id, None, family)
    student = await get_visible(caller, Student, pk if kind == "Student" else None, "Student")
    caller.require(Role.VIEWER, student.school_id)
    return Account(student.school_id, student, None)


def parse_period(start: str | None, end: str | None) -> tuple[date, date]:
    """`from` and `to` as ISO days (both required); INVALID_INPUT naming the one that is not."""
    days = []
    for name, text in (("from", start), ("to", end)):
        try:
            days.append(date.fromisoformat(text or ""))
        except ValueError:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"`{name}` must be a day as YYYY-MM-DD.", [name]
            ) from None
    return days[0], days[1]


@dataclass(frozen=True)
class _Described:
    name: str
    lines: list[str]
    ledger: Ledger
    #: A family's students by id, to name whose each entry is; empty for one student.
    students: dict[int, str]


async def _describe(account: Account) -> _Described:
    """The account's name, the lines under it, and its ledger now."""
    if account.family is not None:
        students = await Student.filter(family_id=account.family.id).order_by("id")
        names = {s.id: f"{s.first_name} {s.last_name}" for s in students}
        lines = [f"{names[s.id]} · Adm. {s.admission_number}" for s in students]
        ledger = await family_ledger(account.family)
        return _Described(f"{account.family.name} (family)", lines, ledger, names)
    student = account.student
    assert student is not None
    lines = [f"Admission no. {student.admission_number}"]
    if student.school_class_id is not None:
        school_class = await SchoolClass.get_or_none(id=student.school_class_id)
        if school_class is not None:
            lines.append(f"Class: {school_class.name}")
    if student.guardian_name:
        lines.append(f"Guardian: {student.guardian_name}")
    name = f"{student.first_name} {student.last_name}"
    return _Described(name, lines, await student_ledger(student), {})


async def statement_sheet(account: Account, start: date, end: date, today: date) -> StatementSheet:
    """The printed form of the account's statement from `start` to `end`, both included."""
    school = await School.get(id=account.school_id)
    write = writer_for(school)
    described = await _describe(account)
    period: Statement = statement(described.ledger, start, end)

    def words(e: Entry) -> str:
        whose = described.students.get(e.student_id) if e.kind in OWN_ENTRIES else None
        return KIND_WORDS.get(e.kind, "") + e.description + (f" ({whose})" if whose else "")

    lines = [
        StatementLine(
            date=write.day(e.date),
            reference=e.reference,
            description=words(e),
            debit=write.money(e.debit) if e.debit is not None else "",
            credit=write.money(e.credit) if e.credit is not None else "",
            balance=write.money(e.balance),
        )
        for e in period.entries
    ]
    return StatementSheet(
        head=letterhead(school),
        account=described.name,
        account_lines=described.lines,
        start=write.day(start),
        end=write.day(end),
        issued_on=write.day(today),
        opening_balance=write.money(period.opening_balance),
        lines=lines,
        total_invoiced=write.money(period.total_invoiced),
        total_paid=write.money(period.total_paid),
        total_credited=write.money(period.total_credited),
        closing_balance=write.money(period.closing_balance),
    )
