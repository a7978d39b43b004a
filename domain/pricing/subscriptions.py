"""Students taking OPTIONAL fee items (transport, lunch) over a range of terms."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_visible
from domain.billing.rows import check_students
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import FeeItem, FeeItemKind, FeeSubscription, Role
from domain.pricing.terms import check_batch, end_ranges, refuse_overlaps, term_range


async def subscribe_students(
    caller: Caller,
    *,
    fee_item_id: int | None,
    student_ids: Sequence[int | None],
    from_term_id: int | None,
    until_term_id: int | None = None,
) -> list[FeeSubscription]:
    """FINANCE subscribes students to an OPTIONAL item; all or none, never two covering a term."""
    item = await get_visible(
        caller, FeeItem, fee_item_id, "Fee item", ["feeItemId"], "fee_structure__school_id"
    )
    await item.fetch_related("fee_structure")
    school_id = item.fee_structure.school_id
    caller.require(Role.FINANCE, school_id)
    if item.kind != FeeItemKind.OPTIONAL:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Only OPTIONAL fee items take subscriptions; MANDATORY ones bill every student.",
            ["feeItemId"],
        )
    problems = Problems()
    check_batch(problems, student_ids, "studentIds", "students")
    problems.raise_if_any()
    first, last = await term_range(caller, school_id, from_term_id, until_term_id)
    students = await check_students(caller, list(student_ids), school_id, ["studentIds"])
    await refuse_overlaps(
        FeeSubscription,
        student_ids,
        first,
        last,
        "The student already takes this item in one of these terms.",
        fee_item_id=item.id,
    )
    async with in_transaction():
        rows = [
            await FeeSubscription.create(
                student_id=pk,
                fee_item_id=item.id,
                from_term_id=first.id,
                until_term_id=last.id if last else None,
            )
            for pk in students
        ]
        for row in rows:
            await audit.record(
                caller, audit.AuditAction.SUBSCRIBED_STUDENTS, row, school_id=school_id
            )
    return rows


async def end_fee_subscriptions(
    caller: Caller, *, subscription_ids: Sequence[int | None], last_term_id: int | None
) -> list[FeeSubscription]:
    """FINANCE sets the last term billed of subscriptions; later terms no longer bill them."""
    return await end_ranges(
        caller,
        FeeSubscription,
        subscription_ids,
        last_term_id,
        field="feeSubscriptionIds",
        what="fee subscriptions",
        action=audit.AuditAction.ENDED_SUBSCRIPTIONS,
    )
