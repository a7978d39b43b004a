"""Seeding of a benchmark school: N students in 8 grades, a 4-item fee structure with grade
amounts, 10% already invoiced and 2% inactive.

The students are enrolled by `enrol` when given (the bench passes `tests.perf.enrol`:
createStudents over HTTP, as a bursar imports them, nothing analysed by hand), else
written set-based and analysed (quick, for the other benches and the embedded part)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from api.ids import encode_id
from domain.access import issue_token
from domain.db import conn, is_postgres, sql
from domain.models import (
    Account,
    Discount,
    DiscountFeeItem,
    DiscountKind,
    FeeCategory,
    FeeItem,
    FeeItemCategoryAmount,
    FeeItemGradeAmount,
    FeeItemKind,
    FeeStructure,
    Grade,
    Role,
    School,
    SchoolClass,
    Stream,
    Term,
    User,
)

GRADES = 8


@dataclass
class Seeded:
    school_id: int
    term_id: int
    fee_structure_id: int
    token: str
    students: int
    #: Whether the seeding analysed its tables (False: fresh rows, as after a real import).
    analysed: bool = True

    def run_input(self) -> dict[str, object]:
        """createBillingRun's input: the whole school, its term and fee structure."""
        return {
            "schoolId": encode_id("School", self.school_id),
            "termId": encode_id("Term", self.term_id),
            "feeStructureId": encode_id("FeeStructure", self.fee_structure_id),
            "scope": {"kind": "ALL_STUDENTS"},
            "invoiceDate": "2026-01-05",
            "dueDate": "2026-02-05",
        }


#: Enrols (school id, token, class ids, n) students: 'ADM<k>', class k % classes, every
#: 50th INACTIVE, 'Last<k % 997>', k = 1..n, created in that order.
Enrol = Callable[[int, str, list[int], int], Awaitable[None]]


def _series(n_param: str, postgres: bool) -> str:
    if postgres:
        return f"SELECT g AS n FROM generate_series(1, {n_param}) AS g"
    return (
        f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n_param}) "
        "SELECT n FROM seq"
    )


async def seed_school(students: int, *, label: str = "Bench", enrol: Enrol | None = None) -> Seeded:
    account = await Account.create(name=f"{label} account")
    user = await User.create(account=account, email=f"{label.lower()}@example.org", role=Role.ADMIN)
    token = await issue_token(user)
    school = await School.create(account=account, name=f"{label} School", currency="KES")
    term = await Term.create(
        school=school, name="Term 1 2026", start_date=date(2026, 1, 5), end_date=date(2026, 4, 3)
    )
    streams = [await Stream.create(school=school, name=n) for n in ("East", "West")]
    classes = []
    grades = []
    for level in range(1, GRADES + 1):
        grade = await Grade.create(school=school, name=f"Grade {level}", level=level)
        grades.append(grade)
        for stream in streams:
            classes.append(
                await SchoolClass.create(
                    school=school, grade=grade, stream=stream, name=f"Grade {level} {stream.name}"
                )
            )
    fee = await FeeStructure.create(school=school, name="Term Tuition Fee")
    items = [
        await FeeItem.create(fee_structure=fee, name=name, amount=Decimal(amount), position=i)
        for i, (name, amount) in enumerate(
            [
                ("Tuition", "15000.00"),
                ("Lunch", "4500.50"),
                ("Transport", "3000.00"),
                ("Activity", "750.25"),
            ]
        )
    ]
    for grade in grades:
        await FeeItemGradeAmount.create(
            fee_item=items[0], grade=grade, amount=Decimal("12000.00") + 500 * grade.level
        )
        if grade.level <= 2:
            await FeeItemGradeAmount.create(fee_item=items[2], grade=grade, amount=Decimal("0.00"))
    c = conn()
    pg = is_postgres(c)
    if enrol is not None:
        await enrol(school.id, token, [k.id for k in classes], students)
    else:
        await _insert_students(school.id, [k.id for k in classes], students)
    # 10% already invoiced for this fee structure and term (numbers 1..k of the school).
    await c.execute_query(
        sql(
            c,
            f"""INSERT INTO invoice (school_id, student_id, term_id, fee_structure_id, number,
                                    invoice_date, due_date, status, total, amount_paid, created_at)
            SELECT $1, s.id, $2, $3,
                   'INV-2025-' || {"lpad(CAST(ROW_NUMBER() OVER (ORDER BY s.id) AS TEXT), 6, '0')" if pg else "printf('%06d', ROW_NUMBER() OVER (ORDER BY s.id))"},
                   $4, $4, 'ISSUED', {"CAST(1000 AS NUMERIC)" if pg else "'1000.00'"}, {"CAST(0 AS NUMERIC)" if pg else "'0.00'"}, $5
            FROM student s WHERE s.school_id = $1 AND s.id % 10 = 1""",
        ),
        [school.id, term.id, fee.id, date(2025, 12, 1), datetime(2025, 12, 1, tzinfo=UTC)],
    )
    invoiced = await c.execute_query_dict(
        sql(c, "SELECT COUNT(*) AS n FROM invoice WHERE school_id = $1"), [school.id]
    )
    await School.filter(id=school.id).update(last_invoice_number=int(invoiced[0]["n"]))
    if pg and enrol is None:
        await c.execute_script("ANALYZE student; ANALYZE invoice")
    return Seeded(school.id, term.id, fee.id, token, students, analysed=enrol is None)


async def _insert_students(school_id: int, classes: list[int], students: int) -> None:
    """The students `Enrol` describes, in one INSERT ... SELECT."""
    c = conn()
    # Students: class by n, 2% inactive (every 50th).
    await c.execute_query(
        sql(
            c,
            f"""INSERT INTO student (school_id, admission_number, admission_key, first_name,
                                    last_name, status, school_class_id, guardian_name,
                                    guardian_email, created_at)
            SELECT $1, 'ADM' || CAST(n AS TEXT), 'adm' || CAST(n AS TEXT),
                   'First' || CAST(n AS TEXT), 'Last' || CAST(n % 997 AS TEXT),
                   CASE WHEN n % 50 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
                   $2 + (n % {len(classes)}), 'Guardian ' || CAST(n AS TEXT),
                   'g' || CAST(n AS TEXT) || '@example.org', $3
            FROM ({_series("$4", is_postgres(c))}) AS seq""",
        ),
        [school_id, classes[0], datetime(2026, 1, 1, tzinfo=UTC), students],
    )


async def seed_pricing(s: Seeded) -> None:
    """Price the school like a real one, set-based: 2 fee categories, 3 OPTIONAL items each
    taken by 30%, 3 discounts each assigned to 10% of the students, and a 10% sibling
    discount from the second child of families of 2 and 3 children (40% of the students)."""
    c = conn()
    pg = is_postgres(c)
    school = await School.get(id=s.school_id)
    boarder = await FeeCategory.create(school=school, name="Boarder")
    day = await FeeCategory.create(school=school, name="Day scholar")
    fee = await FeeStructure.get(id=s.fee_structure_id)
    tuition = await FeeItem.get(fee_structure_id=fee.id, name="Tuition")
    boarding = await FeeItem.create(fee_structure=fee, name="Boarding", amount=0, position=4)
    await FeeItemCategoryAmount.create(fee_item=boarding, fee_category=boarder, amount=24000)
    await FeeItemCategoryAmount.create(fee_item=tuition, fee_category=day, amount=14000)
    first = await c.execute_query_dict(
        sql(c, "SELECT MIN(id) AS id FROM student WHERE school_id = $1"), [s.school_id]
    )
    base = int(first[0]["id"])
    await c.execute_query(
        sql(
            c,
            "UPDATE student SET fee_category_id = CASE WHEN id % 2 = 0 THEN CAST($2 AS INTEGER) ELSE CAST($3 AS INTEGER) END "
            "WHERE school_id = $1",
        ),
        [s.school_id, boarder.id, day.id],
    )
    for k, (name, amount) in enumerate(
        [("Bus", "5500.00"), ("Lunch plan", "6500.00"), ("Clubs", "1200.00")]
    ):
        item = await FeeItem.create(
            fee_structure=fee,
            name=name,
            amount=Decimal(amount),
            position=5 + k,
            kind=FeeItemKind.OPTIONAL,
        )
        await c.execute_query(
            sql(
                c,
                f"""INSERT INTO fee_subscription (student_id, fee_item_id, from_term_id, created_at)
                SELECT id, CAST($2 AS INTEGER), CAST($3 AS INTEGER), $4 FROM student
                WHERE school_id = $1 AND (id * {3 + k}) % 10 < 3""",
            ),
            [s.school_id, item.id, s.term_id, datetime(2026, 1, 1, tzinfo=UTC)],
        )
    discounts = [
        await Discount.create(
            school=school, name="Staff child", kind=DiscountKind.PERCENTAGE, value=50
        ),
        await Discount.create(
            school=school,
            name="County bursary",
            kind=DiscountKind.FIXED_AMOUNT,
            value=Decimal("5000.00"),
        ),
        await Discount.create(
            school=school, name="Scholarship", kind=DiscountKind.PERCENTAGE, value=Decimal("25.00")
        ),
    ]
    await DiscountFeeItem.create(discount=discounts[0], fee_item=tuition)
    await Discount.create(
        school=school, name="Sibling", kind=DiscountKind.PERCENTAGE, value=10, sibling_position=2
    )
    for k, discount in enumerate(discounts):
        await c.execute_query(
            sql(
                c,
                f"""INSERT INTO student_discount
                    (student_id, discount_id, from_term_id, created_at)
                SELECT id, CAST($2 AS INTEGER), CAST($3 AS INTEGER), $4 FROM student
                WHERE school_id = $1 AND id % 10 = {2 * k + 2}""",
            ),
            [s.school_id, discount.id, s.term_id, datetime(2026, 1, 1, tzinfo=UTC)],
        )
    # Families: in each block of 5 students, the first 2 (even blocks) or 3 (odd blocks).
    blocks = s.students // 5 + 1
    await c.execute_query(
        sql(
            c,
            f"""INSERT INTO family (school_id, name, created_at)
            SELECT CAST($1 AS INTEGER), 'Family ' || CAST(n AS TEXT), $3 FROM ({_series("$2", pg)}) AS seq""",
        ),
        [s.school_id, blocks, datetime(2026, 1, 1, tzinfo=UTC)],
    )
    families = await c.execute_query_dict(
        sql(c, "SELECT MIN(id) AS id FROM family WHERE school_id = $1"), [s.school_id]
    )
    await c.execute_query(
        sql(
            c,
            """UPDATE student SET family_id = CAST($3 AS INTEGER) + (id - CAST($2 AS INTEGER)) / 5
            WHERE school_id = $1 AND (id - CAST($2 AS INTEGER)) % 5
                < 2 + ((id - CAST($2 AS INTEGER)) / 5) % 2""",
        ),
        [s.school_id, base, int(families[0]["id"])],
    )
    if pg and s.analysed:
        await c.execute_script(
            "ANALYZE student; ANALYZE fee_subscription; ANALYZE student_discount; ANALYZE family"
        )
