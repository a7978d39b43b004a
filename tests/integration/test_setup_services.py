"""Setting a school up through the domain services, on the real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import fees, schools, students, users
from domain.access import authenticate, hash_token
from domain.errors import DomainError, ErrorCode, Problem
from domain.models import (
    ApiToken,
    FeeItem,
    FeeItemGradeAmount,
    FeeStructure,
    Role,
    SchoolClass,
    SchoolGrant,
    Student,
    StudentStatus,
    Term,
    User,
)
from domain.references import UNKNOWN_ID
from tests.factories import Factory


async def test_term_is_created_with_trimmed_name(factory: Factory) -> None:
    # given
    s, admin = await factory.school_with_admin()
    # when
    term = await schools.create_term(
        admin.caller,
        school_id=s.school.id,
        name="  Term 2 2026 ",
        start_date=date(2026, 5, 4),
        end_date=date(2026, 8, 7),
    )
    # then
    row = await Term.get(pk=term.id)
    assert (row.school_id, row.name, row.start_date, row.end_date) == (
        s.school.id,
        "Term 2 2026",
        date(2026, 5, 4),
        date(2026, 8, 7),
    )


async def test_term_ending_before_it_starts_is_refused(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    with pytest.raises(DomainError) as caught:
        await schools.create_term(
            admin.caller,
            school_id=s.school.id,
            name="",
            start_date=date(2026, 5, 4),
            end_date=date(2026, 5, 3),
        )
    assert caught.value.problems == [
        Problem(ErrorCode.INVALID_INPUT, "This value may not be blank.", ("name",)),
        Problem(
            ErrorCode.INVALID_DATE_RANGE, "The term may not end before it starts.", ("endDate",)
        ),
    ]
    assert await Term.filter(school_id=s.school.id).count() == 1


async def test_term_name_is_unique_within_the_school_only(factory: Factory) -> None:
    (first, second), admin = await factory.schools_with_admin(2)
    args = {"name": "Term 1 2026", "start_date": date(2026, 1, 5), "end_date": date(2026, 4, 3)}
    with pytest.raises(DomainError) as caught:
        await schools.create_term(admin.caller, school_id=first.school.id, **args)  # type: ignore[arg-type]
    assert caught.value.problems == [
        Problem(ErrorCode.DUPLICATE, "A term with this name exists in the school.", ("name",))
    ]
    await Term.filter(school_id=second.school.id).delete()
    await schools.create_term(admin.caller, school_id=second.school.id, **args)  # type: ignore[arg-type]
    assert await Term.filter(name="Term 1 2026").count() == 2


async def test_grade_level_may_not_be_negative(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    grade = await schools.create_grade(admin.caller, school_id=s.school.id, name="PP1", level=0)
    assert (grade.name, grade.level) == ("PP1", 0)
    with pytest.raises(DomainError) as caught:
        await schools.create_grade(admin.caller, school_id=s.school.id, name="X", level=-1)
    assert caught.value.problems == [
        Problem(ErrorCode.INVALID_INPUT, "This value must be between 0 and 100.", ("level",))
    ]


async def test_finance_may_not_shape_a_school(factory: Factory) -> None:
    s, finance = await factory.school_with(Role.FINANCE)
    with pytest.raises(DomainError) as caught:
        await schools.create_stream(finance.caller, school_id=s.school.id, name="South")
    assert caught.value.code == ErrorCode.PERMISSION_DENIED
    assert await s.school.streams.all().count() == 2


async def test_class_takes_grade_and_stream_of_its_school(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    klass = await schools.create_school_class(
        admin.caller,
        school_id=s.school.id,
        grade_id=s.grades[1].id,
        stream_id=None,
        name="Grade 2 Blue",
    )
    row = await SchoolClass.get(pk=klass.id)
    assert (row.school_id, row.grade_id, row.stream_id) == (s.school.id, s.grades[1].id, None)


async def test_class_with_grade_of_a_sibling_school_is_mismatched(factory: Factory) -> None:
    # given two schools of one account, and one of another account
    account = await factory.account()
    s = await factory.school(account)
    sibling = await factory.school(account)
    foreign = await factory.school(await factory.account())
    admin = await factory.actor(account)
    before = await SchoolClass.all().count()
    # when
    with pytest.raises(DomainError) as caught:
        await schools.create_school_class(
            admin.caller,
            school_id=s.school.id,
            grade_id=sibling.grades[0].id,
            stream_id=foreign.streams[0].id,
            name="Mixed",
        )
    # then
    assert caught.value.problems == [
        Problem(ErrorCode.MISMATCHED_SCHOOL, "The grade belongs to another school.", ("gradeId",)),
        Problem(ErrorCode.NOT_FOUND, "Stream not found.", ("streamId",)),
    ]
    assert await SchoolClass.all().count() == before


async def test_unknown_stream_id_is_not_found_not_ignored(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    with pytest.raises(DomainError) as caught:
        await schools.create_school_class(
            admin.caller,
            school_id=s.school.id,
            grade_id=s.grades[0].id,
            stream_id=UNKNOWN_ID,
            name="Grade 1 Blue",
        )
    assert caught.value.problems == [
        Problem(ErrorCode.NOT_FOUND, "Stream not found.", ("streamId",))
    ]


async def test_user_gets_grants_and_a_token_that_authenticates(factory: Factory) -> None:
    # given
    account = await factory.account()
    first = await factory.school(account)
    second = await factory.school(account)
    admin = await factory.actor(account)
    # when
    new = await users.create_user(
        admin.caller,
        email=" Bursar@Example.ORG ",
        name="Bursar",
        role=Role.FINANCE,
        school_ids=[first.school.id, first.school.id],
    )
    # then
    assert (new.user.email, new.user.role, new.user.account_id) == (
        "bursar@example.org",
        Role.FINANCE,
        account.id,
    )
    grants = await SchoolGrant.filter(user_id=new.user.id).values_list("school_id", flat=True)
    assert grants == [first.school.id]
    caller = await authenticate(new.token)
    assert caller is not None
    assert (caller.user_id, caller.school_ids) == (new.user.id, frozenset({first.school.id}))
    assert second.school.id not in caller.school_ids
    stored = await ApiToken.get(user_id=new.user.id)
    assert stored.token_hash == hash_token(new.token) != new.token


async def test_admin_user_gets_no_grants(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    new = await users.create_user(
        admin.caller, email="a2@example.org", name=None, role=Role.ADMIN, school_ids=[UNKNOWN_ID]
    )
    assert await SchoolGrant.filter(user_id=new.user.id).count() == 0
    caller = await authenticate(new.token)
    assert caller is not None and caller.school_ids == frozenset({s.school.id})


async def test_user_email_is_unique_without_case(factory: Factory) -> None:
    account = await factory.account()
    admin = await factory.actor(account)
    with pytest.raises(DomainError) as caught:
        await users.create_user(
            admin.caller, email=admin.user.email.upper(), name=None, role=Role.VIEWER
        )
    assert caught.value.problems == [
        Problem(ErrorCode.DUPLICATE, "A user with this e-mail exists.", ("email",))
    ]
    assert await User.all().count() == 1


async def test_user_grant_to_another_accounts_school_is_not_found(factory: Factory) -> None:
    account = await factory.account()
    foreign = await factory.school(await factory.account())
    admin = await factory.actor(account)
    with pytest.raises(DomainError) as caught:
        await users.create_user(
            admin.caller,
            email="new@example.org",
            name=None,
            role=Role.VIEWER,
            school_ids=[foreign.school.id, None],
        )
    assert caught.value.problems == [
        Problem(ErrorCode.NOT_FOUND, "School not found.", ("schoolIds", "0")),
        Problem(ErrorCode.NOT_FOUND, "School not found.", ("schoolIds", "1")),
    ]
    assert await User.filter(email="new@example.org").count() == 0


def _row(number: str, **extra: object) -> students.NewStudent:
    return students.NewStudent(
        admission_number=number,
        first_name="Amina",
        last_name="Otieno",
        **extra,  # type: ignore[arg-type]
    )


async def test_students_are_created_in_the_order_given(factory: Factory) -> None:
    # given
    s, finance = await factory.school_with(Role.FINANCE)
    # when
    created = await students.create_students(
        finance.caller,
        school_id=s.school.id,
        students=[
            _row("B-2", school_class_id=s.classes[0].id, guardian_email="mum@example.org"),
            _row("A-1", status=StudentStatus.INACTIVE, guardian_phone="+254 700 000 001"),
        ],
    )
    # then
    assert [
        (
            c.admission_number,
            c.school_class_id,
            c.status,
            c.guardian_email,
            c.guardian_phone,
            c.school_id,
        )
        for c in created
    ] == [
        ("B-2", s.classes[0].id, StudentStatus.ACTIVE, "mum@example.org", None, s.school.id),
        ("A-1", None, StudentStatus.INACTIVE, None, "+254700000001", s.school.id),
    ]
    assert all(c.id for c in created)
    assert await Student.filter(school_id=s.school.id).count() == 2


async def test_student_batch_is_all_or_nothing_with_every_row_error(factory: Factory) -> None:
    # given an existing student and a sibling school's class
    (s, sibling), admin = await factory.schools_with_admin(2)
    existing = await factory.student(s.school)
    # when
    with pytest.raises(DomainError) as caught:
        await students.create_students(
            admin.caller,
            school_id=s.school.id,
            students=[
                _row("N-1"),
                _row(existing.admission_number),
                _row("N-1", guardian_email="not-an-email"),
                _row("N-4", school_class_id=sibling.classes[0].id),
                students.NewStudent(admission_number="N-5", first_name=" ", last_name="x" * 101),
            ],
        )
    # then
    assert caught.value.problems == [
        Problem(
            ErrorCode.INVALID_INPUT,
            "'not-an-email' is not an e-mail address.",
            ("students", "2", "guardianEmail"),
        ),
        Problem(
            ErrorCode.INVALID_INPUT, "This value may not be blank.", ("students", "4", "firstName")
        ),
        Problem(
            ErrorCode.INVALID_INPUT,
            "This value may be at most 100 characters.",
            ("students", "4", "lastName"),
        ),
        Problem(
            ErrorCode.MISMATCHED_SCHOOL,
            "The class belongs to another school.",
            ("students", "3", "schoolClassId"),
        ),
        Problem(
            ErrorCode.DUPLICATE,
            f"A student with admission number {existing.admission_number} exists.",
            ("students", "1", "admissionNumber"),
        ),
    ]
    assert await Student.filter(school_id=s.school.id).count() == 1


async def test_admission_number_given_twice_in_a_batch_is_duplicate(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    with pytest.raises(DomainError) as caught:
        await students.create_students(
            admin.caller, school_id=s.school.id, students=[_row("A"), _row("B"), _row("A")]
        )
    assert caught.value.problems == [
        Problem(
            ErrorCode.DUPLICATE,
            "Admission number A is also given in row 0.",
            ("students", "2", "admissionNumber"),
        )
    ]
    assert await Student.all().count() == 0


@pytest.mark.parametrize(("size", "message"), [(0, "Give at least one student.")])
async def test_empty_batch_is_refused(factory: Factory, size: int, message: str) -> None:
    s, admin = await factory.school_with_admin()
    with pytest.raises(DomainError) as caught:
        await students.create_students(
            admin.caller, school_id=s.school.id, students=[_row(str(i)) for i in range(size)]
        )
    assert caught.value.problems == [Problem(ErrorCode.INVALID_INPUT, message, ("students",))]


async def test_a_thousand_students_fit_in_one_call(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    created = await students.create_students(
        admin.caller, school_id=s.school.id, students=[_row(f"S{i:04d}") for i in range(1000)]
    )
    assert [c.admission_number for c in created] == [f"S{i:04d}" for i in range(1000)]
    assert await Student.filter(school_id=s.school.id).count() == 1000


async def test_update_student_changes_only_what_is_given(factory: Factory) -> None:
    # given
    s, finance = await factory.school_with(Role.FINANCE)
    student = await factory.student(s.school, s.classes[0])
    # when
    await students.update_student(
        finance.caller,
        student_id=student.id,
        changes=students.StudentChanges(
            status=StudentStatus.WITHDRAWN,
            school_class_id=s.classes[1].id,
            first_name=None,
            last_name=" Kamau ",
            guardian_email=None,
        ),
    )
    # then
    row = await Student.get(pk=student.id)
    assert (
        row.status,
        row.school_class_id,
        row.first_name,
        row.last_name,
        row.guardian_email,
        row.guardian_name,
        row.guardian_phone,
    ) == (
        StudentStatus.WITHDRAWN,
        s.classes[1].id,
        student.first_name,
        "Kamau",
        None,
        student.guardian_name,
        student.guardian_phone,
    )


async def test_update_student_refuses_blank_name_and_foreign_class(factory: Factory) -> None:
    account = await factory.account()
    s = await factory.school(account)
    foreign = await factory.school(await factory.account())
    finance = await factory.actor(account, Role.FINANCE, [s.school])
    student = await factory.student(s.school, s.classes[0])
    with pytest.raises(DomainError) as caught:
        await students.update_student(
            finance.caller,
            student_id=student.id,
            changes=students.StudentChanges(
                first_name="", school_class_id=foreign.classes[0].id, guardian_phone="phone"
            ),
        )
    assert caught.value.problems == [
        Problem(ErrorCode.INVALID_INPUT, "This value may not be blank.", ("firstName",)),
        Problem(ErrorCode.INVALID_INPUT, "'phone' is not a phone number.", ("guardianPhone",)),
        Problem(ErrorCode.NOT_FOUND, "Class not found.", ("schoolClassId",)),
    ]
    row = await Student.get(pk=student.id)
    assert (row.first_name, row.school_class_id) == (student.first_name, s.classes[0].id)


async def test_update_student_can_take_the_student_out_of_a_class(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    student = await factory.student(s.school, s.classes[0])
    await students.update_student(
        admin.caller,
        student_id=student.id,
        changes=students.StudentChanges(school_class_id=None),
    )
    assert (await Student.get(pk=student.id)).school_class_id is None


async def test_find_students_filters_and_orders_by_name(factory: Factory) -> None:
    # given
    account = await factory.account()
    s = await factory.school(account)
    viewer = await factory.actor(account, Role.VIEWER, [s.school])
    g1_east, g1_west, g2_east = s.classes[0], s.classes[1], s.classes[2]
    zed = await factory.student(s.school, g1_east, last_name="Zulu")
    amy = await factory.student(s.school, g2_east, last_name="Abdi")
    gone = await factory.student(
        s.school, g1_west, last_name="Mwangi", status=StudentStatus.WITHDRAWN
    )
    loose = await factory.student(s.school, None, last_name="Abdi")
    other = await factory.student((await factory.school(account)).school, None, last_name="Abdi")

    async def names(**criteria: object) -> list[int]:
        qs = await students.find_students(
            viewer.caller,
            school_id=s.school.id,
            criteria=students.StudentFilter(**criteria),  # type: ignore[arg-type]
        )
        return [row.id for row in await qs]

    # then
    assert await names() == [amy.id, loose.id, gone.id, zed.id]
    assert await names(statuses=[StudentStatus.WITHDRAWN]) == [gone.id]
    assert await names(grade_id=s.grades[0].id) == [gone.id, zed.id]
    assert await names(stream_id=s.streams[0].id) == [amy.id, zed.id]
    assert await names(school_class_id=g1_west.id) == [gone.id]
    assert await names(grade_id=UNKNOWN_ID) == []
    assert await names(search="abdi") == [amy.id, loose.id]
    assert await names(search=f"  {amy.first_name.upper()} abd ") == [amy.id]
    assert await names(search=zed.admission_number.lower()) == [zed.id]
    assert await names(search="%") == []
    assert other.id not in await names(search="Abdi")


async def test_find_students_of_an_invisible_school_is_not_found(factory: Factory) -> None:
    account = await factory.account()
    s = await factory.school(account)
    finance = await factory.actor(account, Role.FINANCE, [])
    with pytest.raises(DomainError) as caught:
        await students.find_students(
            finance.caller, school_id=s.school.id, criteria=students.StudentFilter()
        )
    assert caught.value.problems == [
        Problem(ErrorCode.NOT_FOUND, "School not found.", ("schoolId",))
    ]


async def test_fee_structure_is_stored_with_items_in_order(factory: Factory) -> None:
    # given
    s, finance = await factory.school_with(Role.FINANCE)
    # when
    structure = await fees.create_fee_structure(
        finance.caller,
        school_id=s.school.id,
        name="Term 2 Fees",
        items=[
            fees.NewFeeItem(
                name="Tuition",
                amount=Decimal("15000"),
                grade_amounts=[
                    fees.NewGradeAmount(grade_id=s.grades[0].id, amount=Decimal("12000.5")),
                    fees.NewGradeAmount(grade_id=s.grades[1].id, amount=Decimal("0")),
                ],
            ),
            fees.NewFeeItem(name="Lunch", amount=Decimal("4500.50")),
        ],
    )
    # then
    items = await FeeItem.filter(fee_structure_id=structure.id).order_by("position")
    assert [(i.name, i.amount, i.position) for i in items] == [
        ("Tuition", Decimal("15000.00"), 0),
        ("Lunch", Decimal("4500.50"), 1),
    ]
    overrides = await FeeItemGradeAmount.filter(fee_item_id=items[0].id).order_by("grade_id")
    assert [(o.grade_id, o.amount) for o in overrides] == [
        (s.grades[0].id, Decimal("12000.50")),
        (s.grades[1].id, Decimal("0.00")),
    ]


async def test_fee_structure_reports_every_bad_item_and_writes_nothing(factory: Factory) -> None:
    (s, sibling), admin = await factory.schools_with_admin(2)
    before = (await FeeStructure.all().count(), await FeeItem.all().count())
    with pytest.raises(DomainError) as caught:
        await fees.create_fee_structure(
            admin.caller,
            school_id=s.school.id,
            name="Term 2 Fees",
            items=[
                fees.NewFeeItem(name=" ", amount=Decimal("-1")),
                fees.NewFeeItem(
                    name="Trip",
                    amount=Decimal("10"),
                    grade_amounts=[
                        fees.NewGradeAmount(grade_id=s.grades[0].id, amount=Decimal("1.001")),
                        fees.NewGradeAmount(grade_id=s.grades[0].id, amount=Decimal("2")),
                        fees.NewGradeAmount(grade_id=sibling.grades[0].id, amount=Decimal("2")),
                        fees.NewGradeAmount(grade_id=None, amount=Decimal("2")),
                    ],
                ),
            ],
        )
    at = ("items", "1", "gradeAmounts")
    assert caught.value.problems == [
        Problem(ErrorCode.INVALID_INPUT, "This value may not be blank.", ("items", "0", "name")),
        Problem(ErrorCode.INVALID_INPUT, "The amount must be 0 or more.", ("items", "0", "amount")),
        Problem(
            ErrorCode.INVALID_INPUT, "Amounts have at most 2 decimal places.", (*at, "0", "amount")
        ),
        Problem(
            ErrorCode.INVALID_INPUT,
            "This grade already has an amount in this item.",
            (*at, "1", "gradeId"),
        ),
        Problem(
            ErrorCode.MISMATCHED_SCHOOL,
            "The grade belongs to another school.",
            (*at, "2", "gradeId"),
        ),
        Problem(ErrorCode.NOT_FOUND, "Grade not found.", (*at, "3", "gradeId")),
    ]
    assert (await FeeStructure.all().count(), await FeeItem.all().count()) == before


async def test_fee_structure_needs_an_item_and_a_free_name(factory: Factory) -> None:
    s, admin = await factory.school_with_admin()
    with pytest.raises(DomainError) as empty:
        await fees.create_fee_structure(admin.caller, school_id=s.school.id, name="X", items=[])
    assert empty.value.problems == [
        Problem(ErrorCode.INVALID_INPUT, "Give at least one fee item.", ("items",))
    ]
    with pytest.raises(DomainError) as taken:
        await fees.create_fee_structure(
            admin.caller,
            school_id=s.school.id,
            name=s.fee.name,
            items=[fees.NewFeeItem(name="A", amount=Decimal(1))],
        )
    assert taken.value.problems == [
        Problem(
            ErrorCode.DUPLICATE, "A fee structure with this name exists in the school.", ("name",)
        )
    ]
    assert await FeeStructure.all().count() == 1
