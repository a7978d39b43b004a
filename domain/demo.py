"""`billing demo`: a realistic account of two schools to explore the API with."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from domain import db, share_links
from domain.access import issue_token
from domain.demo_money import create_riverside_money
from domain.demo_pricing import create_riverside_pricing
from domain.models import (
    Account,
    FeeItem,
    FeeItemGradeAmount,
    FeeStructure,
    Grade,
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

logger = logging.getLogger("billing.demo")

ACCOUNT = "Demo Schools"
ADMIN_EMAIL = "admin@demo-schools.example.org"
FINANCE_EMAIL = "bursar@demo-schools.example.org"
VIEWER_EMAIL = "viewer@demo-schools.example.org"

#: Rows per INSERT when adding students (well under SQLite's parameter limit).
STUDENT_BATCH = 250


@dataclass(frozen=True)
class SchoolPlan:
    """What one demo school looks like; fee amounts are in the school's currency."""

    name: str
    currency: str
    admission_prefix: str
    phone_prefix: str
    phone_digits: int
    grades: list[str]
    streams: list[str]
    students_per_class: int
    unplaced_students: int
    terms: list[tuple[str, date, date]]
    fee_name: str
    #: (item name, default amount, amount per grade level; None keeps the default).
    fee_items: list[tuple[str, str, dict[int, str] | None]]
    first_names: list[str]
    last_names: list[str]
    guardian_names: list[str]
    #: What the school prints on its documents, and its country (reads local phone numbers).
    profile: dict[str, Any]


RIVERSIDE = SchoolPlan(
    name="Riverside Academy",
    currency="KES",
    admission_prefix="RA",
    phone_prefix="+2547",
    phone_digits=8,
    grades=[f"Grade {n}" for n in range(1, 9)],
    streams=["East", "West", "North"],
    students_per_class=20,
    unplaced_students=2,
    terms=[
        ("Term 1 2026", date(2026, 1, 5), date(2026, 4, 2)),
        ("Term 2 2026", date(2026, 4, 27), date(2026, 7, 31)),
        ("Term 3 2026", date(2026, 8, 24), date(2026, 10, 30)),
    ],
    fee_name="Term Tuition Fee",
    fee_items=[
        ("Tuition", "18500.00", {n: f"{15500 + 750 * n}.00" for n in range(1, 9)}),
        ("Activity Fee", "1500.00", None),
        # Computer studies start in Grade 4: zero leaves the item off Grades 1-3.
        ("Computer Lab", "2000.00", {1: "0.00", 2: "0.00", 3: "0.00"}),
    ],
    first_names="""Wanjiru Achieng Kamau Otieno Njeri Mwangi Akinyi Chebet Kiprono Wafula Nekesa
        Muthoni Omondi Auma Kibet Jepchirchir Baraka Imani Zawadi Amani Faith Brian Kevin Mercy
        Grace Dennis Sharon Ian Cynthia Collins Wambui Kiptoo Nafula Atieno Kendi""".split(),
    last_names="""Kamau Otieno Mwangi Wanjiku Ochieng Kiprop Wafula Njoroge Mutua Kariuki
        Onyango Chege Kimani Odhiambo Rotich Mugo Ndungu Wekesa Koech Maina Barasa Nyaga Ruto
        Kilonzo Omollo""".split(),
    guardian_names="""Joseph Mary Peter Jane John Esther James Lucy David Ruth Samuel Agnes
        Daniel Margaret Stephen Catherine""".split(),
    profile={
        "country": "KE",
        "address": "Riverside Drive, off Waiyaki Way\nP.O. Box 40512-00100\nNairobi",
        "phone": "+254712345678",
        "email": "bursar@riverside-academy.example.org",
        "payment_instructions": "M-Pesa Paybill 522533, account: the admission number.\n"
        "Bank: KCB Westlands, A/C 1104 5678 90, Riverside Academy.",
        "mpesa_short_code": "522533",
    },
)

MSASA = SchoolPlan(
    name="Msasa Junior School",
    currency="USD",
    admission_prefix="MJS",
    phone_prefix="+26377",
    phone_digits=7,
    grades=["ECD B", *(f"Grade {n}" for n in range(1, 8))],
    streams=["Blue", "Gold"],
    students_per_class=28,
    unplaced_students=0,
    terms=[
        ("Term 1 2026", date(2026, 1, 13), date(2026, 4, 9)),
        ("Term 2 2026", date(2026, 5, 12), date(2026, 8, 6)),
        ("Term 3 2026", date(2026, 9, 8), date(2026, 12, 3)),
    ],
    fee_name="Term Fees",
    fee_items=[
        ("Tuition", "450.00", {1: "380.00", 8: "520.00"}),
        ("Development Levy", "60.00", None),
        ("Sports", "25.00", {1: "0.00"}),
        ("Swimming", "15.00", {1: "0.00", 2: "0.00"}),
    ],
    first_names="""Tendai Tatenda Rutendo Farai Chipo Tafadzwa Nyasha Kudzai Rufaro Tinashe
        Ruvimbo Takudzwa Anesu Munashe Vimbai Simbarashe Tanaka Ropafadzo Panashe Ngonidzashe
        Thandiwe Sipho Nokuthula Mthokozisi""".split(),
    last_names="""Moyo Ncube Sibanda Dube Ndlovu Mpofu Chikore Mutasa Makoni Gumbo Mhlanga
        Nyathi Zhou Marufu Chirwa Mapfumo Muzenda Chigumba Shumba Mugabe Banda""".split(),
    guardian_names="""Blessing Memory Godfrey Precious Tichaona Loveness Brighton Fungai Trust
        Sithembile Edmore Patience""".split(),
    # USD is the currency of many countries: the school's country says it is in Zimbabwe.
    profile={
        "country": "ZW",
        "address": "14 Msasa Avenue, Msasa\nHarare",
        "phone": "+263242704000",
        "email": "accounts@msasa-junior.example.org",
        "payment_instructions": "EcoCash merchant 04512 or bank transfer to CBZ Kurima House, "
        "A/C 0123 4567 8901; quote the admission number.",
    },
)


async def run_demo() -> str:
    """Migrate, create the demo account once (later runs reuse it), return a fresh ADMIN token."""
    await db.migrate_db()
    # Embedded, the key that signs share links is generated now, beside the database.
    share_links.secret_key()
    await db.init_db()
    try:
        return await fill_demo()
    finally:
        await db.close_db()


async def fill_demo() -> str:
    """Create the demo account if it is missing, all or nothing; a fresh ADMIN token."""
    async with in_transaction():
        account = await Account.get_or_none(name=ACCOUNT)
        if account is None:
            admin = await _create_account()
        else:
            admin = await User.get(account_id=account.id, email=ADMIN_EMAIL)
            logger.info("demo account %r exists; issuing a new token", ACCOUNT)
        token = await issue_token(admin)
    students = await Student.filter(school__account__name=ACCOUNT).count()
    logger.info(
        "demo account %r: 2 schools, %d students; users %s (ADMIN), %s (FINANCE, %s), "
        "%s (VIEWER, %s)",
        ACCOUNT,
        students,
        ADMIN_EMAIL,
        FINANCE_EMAIL,
        RIVERSIDE.name,
        VIEWER_EMAIL,
        MSASA.name,
    )
    return token


async def _create_account() -> User:
    account = await Account.create(name=ACCOUNT)
    admin = await User.create(
        account=account, email=ADMIN_EMAIL, role=Role.ADMIN, name="Amina Hassan"
    )
    rng = random.Random(2026)  # the same demo every time
    riverside = await _create_school(account, RIVERSIDE, rng)
    await create_riverside_pricing(riverside, rng)
    msasa = await _create_school(account, MSASA, rng)
    bursar = await User.create(
        account=account, email=FINANCE_EMAIL, role=Role.FINANCE, name="Peter Njoroge"
    )
    viewer = await User.create(
        account=account, email=VIEWER_EMAIL, role=Role.VIEWER, name="Rudo Chikore"
    )
    await SchoolGrant.create(user=bursar, school=riverside)
    await SchoolGrant.create(user=viewer, school=msasa)
    await create_riverside_money(riverside, admin, bursar)
    return admin


async def _create_school(account: Account, plan: SchoolPlan, rng: random.Random) -> School:
    school = await School.create(
        account=account, name=plan.name, currency=plan.currency, **plan.profile
    )
    for name, start, end in plan.terms:
        await Term.create(school=school, name=name, start_date=start, end_date=end)
    grades = [
        await Grade.create(school=school, name=name, level=level)
        for level, name in enumerate(plan.grades, start=1)
    ]
    streams = [await Stream.create(school=school, name=name) for name in plan.streams]
    classes = [
        await SchoolClass.create(
            school=school, grade=grade, stream=stream, name=f"{grade.name} {stream.name}"
        )
        for grade in grades
        for stream in streams
    ]
    await _create_fees(school, plan, grades)
    await _create_students(school, plan, classes, rng)
    return school


async def _create_fees(school: School, plan: SchoolPlan, grades: list[Grade]) -> None:
    fee = await FeeStructure.create(school=school, name=plan.fee_name)
    by_level = {grade.level: grade for grade in grades}
    for position, (name, amount, per_grade) in enumerate(plan.fee_items):
        item = await FeeItem.create(
            fee_structure=fee, name=name, amount=Decimal(amount), position=position
        )
        await FeeItemGradeAmount.bulk_create(
            [
                FeeItemGradeAmount(fee_item=item, grade=by_level[level], amount=Decimal(value))
                for level, value in (per_grade or {}).items()
            ]
        )


async def _create_students(
    school: School, plan: SchoolPlan, classes: list[SchoolClass], rng: random.Random
) -> None:
    # One INSERT per batch rather than one per student: the demo has about a thousand.
    placements: list[SchoolClass | None] = [
        c for c in classes for _ in range(plan.students_per_class)
    ]
    placements += [None] * plan.unplaced_students
    rows = []
    for n, school_class in enumerate(placements, start=1):
        first = rng.choice(plan.first_names)
        last = rng.choice(plan.last_names)
        guardian = f"{rng.choice(plan.guardian_names)} {last}"
        email = None
        if rng.random() > 0.1:  # a tenth of the guardians gave no e-mail
            email = f"{guardian.split()[0].lower()}.{last.lower()}{n}@example.com"
        if n % 97 == 0:
            status = StudentStatus.INACTIVE
        elif n % 151 == 0:
            status = StudentStatus.WITHDRAWN
        else:
            status = StudentStatus.ACTIVE
        rows.append(
            Student(
                school=school,
                admission_number=f"{plan.admission_prefix}/{n:04d}",
                first_name=first,
                last_name=last,
                status=status,
                school_class=school_class,
                guardian_name=guardian,
                guardian_email=email,
                guardian_phone=plan.phone_prefix
                + "".join(rng.choices("0123456789", k=plan.phone_digits)),
            )
        )
    await Student.bulk_create(rows, batch_size=STUDENT_BATCH)
