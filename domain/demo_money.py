"""Riverside's money in the demo: last year's balances carried in, a Term 1 run for one class
and its families, M-Pesa payments (matched, and one waiting), a credit note, a family's bank
transfer and a bounced cheque, each through the path the API and the webhook use."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.access import Caller, caller_for_user
from domain.billing.confirm import confirm_billing_run
from domain.billing.generation import generate_chunk
from domain.billing.preview import preview_billing_run
from domain.billing.runs import create_billing_run
from domain.billing.scope import ScopeSpec
from domain.models import (
    FeeStructure,
    Invoice,
    MpesaWebhook,
    Payment,
    School,
    SchoolClass,
    ScopeKind,
    Student,
    StudentStatus,
    Term,
    User,
)
from domain.money import mpesa
from domain.money.credit_notes import issue_credit_note
from domain.money.family import receive_family_payment
from domain.money.opening import OpeningIn, set_opening_balances
from domain.money.payments import receive_payment, reverse_payment

#: The class billed in the demo (with its students' brothers and sisters).
BILLED_CLASS = "Grade 8 North"
#: Last year's arrears and credit are carried in as of this day.
OPENING_AS_OF = date(2025, 12, 31)
INVOICE_DATE = date(2026, 1, 5)
DUE_DATE = date(2026, 2, 5)
CHEQUE_RETURNED_AT = datetime(2026, 2, 8, 9, 30, tzinfo=UTC)
#: What one parent typed as M-Pesa account: no student or invoice, so it waits to be assigned.
UNMATCHED_ACCOUNT = "school fees"


async def create_riverside_money(school: School, admin: User, bursar: User) -> None:
    """Fill Riverside's accounts so that statements, receivables and M-Pesa show real money."""
    rng = random.Random(522533)  # the same money every time
    actor = await caller_for_user(bursar)
    students = await _billed_students(school)
    await set_opening_balances(actor, school.id, OPENING_AS_OF, _openings(students, rng))
    await _bill_term_one(actor, school, students)
    hook_owner = await caller_for_user(admin)
    await mpesa.rotate_secret(hook_owner, school.id)  # a paybill connected; its secret unshown
    hook = await MpesaWebhook.get(school_id=school.id)
    invoices = await Invoice.filter(school_id=school.id).order_by("number")
    by_student = {i.student_id: i for i in invoices}
    billed = [s for s in students if s.id in by_student]
    paying = billed[::2]
    for n, student in enumerate(paying):
        account = _typed(student.admission_number, n)
        if n == 3:  # one parent typed the invoice number instead
            account = by_student[student.id].number.lower()
        when = f"202601{12 + n % 16:02d}{8 + n % 9:02d}{rng.randint(0, 59):02d}00"
        await _mpesa(school, hook, student, account, Decimal(5000 * rng.randint(2, 5)), when, rng)
    waived = by_student[billed[1].id]  # not paying by M-Pesa: its balance is all there
    await issue_credit_note(
        actor,
        waived.id,
        amount=Decimal("1500.00"),
        reason="Activity fee waived: county music festival team",
        issued_on=date(2026, 1, 20),
    )
    family_id = next(s.family_id for s in students if s.family_id is not None)
    await receive_family_payment(
        actor,
        family_id,
        amount=Decimal("40000.00"),
        paid_on=date(2026, 1, 28),
        method="Bank transfer",
        reference="FT26028KX1Q",
    )
    cheque = await receive_payment(
        actor,
        students[-1].id,
        amount=Decimal("12000.00"),
        paid_on=date(2026, 2, 3),
        method="Cheque",
        reference="CHQ 004512",
    )
    await reverse_payment(actor, cheque.id, reason="Cheque returned unpaid by the bank")
    # The bank returned it on 8 February: the reversal is dated then, not the day of the demo.
    await Payment.filter(id=cheque.id).update(reversed_at=CHEQUE_RETURNED_AT)
    # The same parent then pays by M-Pesa, typing no admission number: it waits for the bursar.
    await _mpesa(
        school, hook, students[-1], UNMATCHED_ACCOUNT, Decimal("12000.00"), "20260210071432", rng
    )


async def _billed_students(school: School) -> list[Student]:
    """The active students of the billed class and of their families, by id."""
    klass = await SchoolClass.get(school_id=school.id, name=BILLED_CLASS)
    pupils = await Student.filter(school_class_id=klass.id, status=StudentStatus.ACTIVE)
    families = {s.family_id for s in pupils if s.family_id is not None}
    siblings = await Student.filter(family_id__in=families, status=StudentStatus.ACTIVE)
    return sorted({s.id: s for s in [*pupils, *siblings]}.values(), key=lambda s: s.id)


def _openings(students: list[Student], rng: random.Random) -> list[OpeningIn]:
    # A third owe last year's balance; one overpaid and starts with credit.
    owing = [OpeningIn(s.id, Decimal(500 * rng.randint(3, 16))) for s in students[::3]]
    return [*owing, OpeningIn(students[1].id, Decimal("-2000.00"))]


async def _bill_term_one(actor: Caller, school: School, students: list[Student]) -> None:
    term = await Term.get(school_id=school.id, name="Term 1 2026")
    fee = await FeeStructure.get(school_id=school.id)
    run = await create_billing_run(
        actor,
        school_id=school.id,
        term_id=term.id,
        fee_structure_id=fee.id,
        scope=ScopeSpec(ScopeKind.MANUAL, student_ids=[s.id for s in students]),
        invoice_date=INVOICE_DATE,
        due_date=DUE_DATE,
        name=f"Term 1 2026 · {fee.name} · {BILLED_CLASS} and siblings",
    )
    await preview_billing_run(actor, run.id)

    async def generate_now(run_id: int, chunks: list[int]) -> None:
        # No workers run beside `billing demo`: generate here what they would.
        for chunk in chunks:
            await generate_chunk(run_id, chunk)

    await confirm_billing_run(actor, run.id, dispatch=generate_now)


def _typed(admission_number: str, n: int) -> str:
    """An admission number as parents type it on their phones."""
    forms = [
        admission_number,
        admission_number.lower(),
        f" {admission_number.replace('/', ' / ')}",
        f"#{admission_number}",
    ]
    return forms[n % len(forms)]


async def _mpesa(
    school: School,
    hook: MpesaWebhook,
    student: Student,
    account: str,
    amount: Decimal,
    trans_time: str,
    rng: random.Random,
) -> None:
    """A Daraja C2B confirmation, recorded and allocated exactly as the webhook does."""
    first, _, last = (student.guardian_name or "Parent").partition(" ")
    body = {
        "TransactionType": "Pay Bill",
        "TransID": "UA" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=8)),
        "TransTime": trans_time,
        "TransAmount": f"{amount:.2f}",
        "BusinessShortCode": school.mpesa_short_code,
        "BillRefNumber": account,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": (student.guardian_phone or "").lstrip("+"),
        "FirstName": first.upper(),
        "MiddleName": "",
        "LastName": last.upper(),
    }
    payment = mpesa.parse_c2b(body)
    await mpesa.allocate_transaction(await mpesa.record(hook, payment))
