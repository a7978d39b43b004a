"""Builders of realistic test data through the ORM (setup data only, never the hot paths)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tortoise.expressions import F

from domain.access import Caller, caller_for_user, issue_token
from domain.db import conn
from domain.models import (
    Account,
    Family,
    FeeItem,
    FeeItemGradeAmount,
    FeeStructure,
    Grade,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Role,
    School,
    SchoolClass,
    SchoolGrant,
    Stream,
    Student,
    StudentStatus,
    Term,
    User,
)


@dataclass
class Actor:
    """A user with a token, and the caller they act as."""

    user: User
    token: str
    caller: Caller


@dataclass
class SchoolSet:
    """A school with terms, grades, streams, classes and a fee structure."""

    school: School
    term: Term
    grades: list[Grade]
    streams: list[Stream]
    classes: list[SchoolClass]
    fee: FeeStructure
    items: list[FeeItem] = field(default_factory=list)


class Factory:
    def __init__(self) -> None:
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    async def account(self, name: str | None = None) -> Account:
        return await Account.create(name=name or f"Account {self._next()}")

    async def actor(
        self, account: Account, role: Role = Role.ADMIN, schools: list[School] | None = None
    ) -> Actor:
        n = self._next()
        user = await User.create(
            account=account, email=f"user{n}@example.org", role=role, name=f"User {n}"
        )
        for school in schools or []:
            await SchoolGrant.create(user=user, school=school)
        token = await issue_token(user)
        return Actor(user=user, token=token, caller=await caller_for_user(user))

    async def school_with_admin(self, name: str | None = None) -> tuple[SchoolSet, Actor]:
        """A school of a new account, and that account's ADMIN."""
        account = await self.account()
        s = await self.school(account, name=name)
        return s, await self.actor(account)

    async def schools_with_admin(self, count: int) -> tuple[list[SchoolSet], Actor]:
        """`count` schools of a new account, and that account's ADMIN."""
        account = await self.account()
        schools = [await self.school(account) for _ in range(count)]
        return schools, await self.actor(account)

    async def school_with(self, role: Role, name: str | None = None) -> tuple[SchoolSet, Actor]:
        """A school of a new account, and a user of that account with `role` in it."""
        account = await self.account()
        s = await self.school(account, name=name)
        return s, await self.actor(account, role, [s.school])

    async def school(
        self,
        account: Account,
        *,
        name: str | None = None,
        currency: str = "KES",
        grades: int = 2,
        streams: int = 2,
    ) -> SchoolSet:
        school = await School.create(
            account=account, name=name or f"School {self._next()}", currency=currency
        )
        term = await Term.create(
            school=school,
            name="Term 1 2026",
            start_date=date(2026, 1, 5),
            end_date=date(2026, 4, 3),
        )
        grade_rows = [
            await Grade.create(school=school, name=f"Grade {i}", level=i)
            for i in range(1, grades + 1)
        ]
        stream_rows = [
            await Stream.create(school=school, name=s) for s in ["East", "West", "North"][:streams]
        ]
        classes = [
            await SchoolClass.create(school=school, grade=g, stream=s, name=f"{g.name} {s.name}")
            for g in grade_rows
            for s in stream_rows
        ]
        fee = await FeeStructure.create(school=school, name="Term Tuition Fee")
        items = [
            await FeeItem.create(
                fee_structure=fee, name="Tuition", amount=Decimal("15000.00"), position=0
            ),
            await FeeItem.create(
                fee_structure=fee, name="Lunch", amount=Decimal("4500.50"), position=1
            ),
            await FeeItem.create(
                fee_structure=fee, name="Transport", amount=Decimal("3000.00"), position=2
            ),
        ]
        if grade_rows:
            # Grade 1 pays less tuition and no transport.
            await FeeItemGradeAmount.create(
                fee_item=items[0], grade=grade_rows[0], amount=Decimal("12000.00")
            )
            await FeeItemGradeAmount.create(
                fee_item=items[2], grade=grade_rows[0], amount=Decimal("0.00")
            )
        return SchoolSet(school, term, grade_rows, stream_rows, classes, fee, items)

    async def older_term(self, s: SchoolSet) -> Term:
        """Term 3 2025 (September to November 2025): the term before the school's first."""
        return await Term.create(
            school=s.school,
            name="Term 3 2025",
            start_date=date(2025, 9, 1),
            end_date=date(2025, 11, 1),
        )

    async def siblings(self, s: SchoolSet, name: str) -> tuple[Family, Student, Student]:
        """Two new students of the school's first class (the elder made first), one family."""
        elder = await self.student(s.school, s.classes[0])
        younger = await self.student(s.school, s.classes[0])
        family = await Family.create(school=s.school, name=name)
        await Student.filter(id__in=[elder.id, younger.id]).update(family_id=family.id)
        elder.family_id = younger.family_id = family.id
        return family, elder, younger

    async def student(
        self,
        school: School,
        school_class: SchoolClass | None = None,
        *,
        status: StudentStatus = StudentStatus.ACTIVE,
        last_name: str | None = None,
    ) -> Student:
        n = self._next()
        return await Student.create(
            school=school,
            admission_number=f"ADM{n:05d}",
            first_name=f"First{n}",
            last_name=last_name or f"Last{n:05d}",
            status=status,
            school_class=school_class,
            guardian_name=f"Guardian {n}",
            guardian_email=f"guardian{n}@example.org",
            guardian_phone=f"+2547000{n:05d}",
        )

    async def bulk_students(self, s: SchoolSet, count: int, *, prefix: str = "F") -> None:
        """`count` ACTIVE students (no guardian) round the school's classes, in one set-based
        insert (PostgreSQL only: for the thousands that fault and e2e tests bill). The admission
        key is lower() of the ASCII number: what `normalise_key` gives for it."""
        await conn().execute_query(
            """INSERT INTO student (school_id, admission_number, admission_key, first_name,
                                    last_name, status, school_class_id, created_at)
            SELECT $1, $2 || lpad(g::text, 6, '0'), lower($2 || lpad(g::text, 6, '0')),
                   'First' || g, 'Last' || g, 'ACTIVE',
                   ($3::int[])[1 + g % cardinality($3::int[])], now()
            FROM generate_series(1, $4) AS g""",
            [s.school.id, prefix, [c.id for c in s.classes], count],
        )

    async def invoice(
        self,
        s: SchoolSet,
        student: Student,
        *,
        lines: list[tuple[str, Decimal]] | None = None,
        status: InvoiceStatus = InvoiceStatus.ISSUED,
        invoice_date: date = date(2026, 1, 5),
        due_date: date = date(2026, 2, 5),
        term: Term | None = None,
        fee: FeeStructure | None = None,
        billing_run_id: int | None = None,
    ) -> Invoice:
        """An invoice with its lines, written directly (the billing run is not exercised)."""
        items = (
            lines
            if lines is not None
            else [("Tuition", Decimal("15000.00")), ("Lunch", Decimal("4500.50"))]
        )
        invoice = await Invoice.create(
            school=s.school,
            student=student,
            term=term or s.term,
            fee_structure=fee or s.fee,
            billing_run_id=billing_run_id,
            number=f"INV-{invoice_date.year}-{self._next():06d}",
            invoice_date=invoice_date,
            due_date=due_date,
            status=status,
            total=sum((amount for _, amount in items), Decimal("0.00")),
            amount_paid=Decimal("0.00"),
        )
        await InvoiceLine.bulk_create(
            [
                InvoiceLine(invoice=invoice, position=i, description=d, amount=a)
                for i, (d, a) in enumerate(items)
            ]
        )
        return invoice

    async def payment(
        self,
        invoice: Invoice,
        *,
        amount: Decimal | str,
        paid_on: date | str = date(2026, 1, 9),
        method: str = "Cash",
    ) -> Payment:
        """A payment wholly allocated to one invoice, written directly (the invoice's paid
        sum and status are left to the test)."""
        # The school's receipt counter moves too, so that numbers stay gap-free.
        await School.filter(id=invoice.school_id).update(
            last_receipt_number=F("last_receipt_number") + 1
        )
        school = await School.get(id=invoice.school_id)
        payment = await Payment.create(
            school_id=invoice.school_id,
            student_id=invoice.student_id,
            invoice=invoice,
            receipt_number=f"RCT-2026-{school.last_receipt_number:06d}",
            amount=Decimal(amount),
            paid_on=paid_on,
            method=method,
        )
        await PaymentAllocation.create(
            school_id=invoice.school_id,
            student_id=invoice.student_id,
            payment=payment,
            invoice=invoice,
            amount=Decimal(amount),
        )
        return payment
