"""A school's reminder policy: the stages (days past due, channels) its unpaid invoices get."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school
from domain.errors import ErrorCode, Problems
from domain.models import Role, School
from domain.models.notifications import DeliveryChannel
from domain.models.reminders import ReminderStage

#: FINANCE may set the policy (the contract's roles), and ADMIN above it.
POLICY_ROLE = Role.FINANCE
#: Most stages a policy has, and the latest a stage may be.
MAX_STAGES = 10
MAX_DAYS = 365


@dataclass(frozen=True)
class Stage:
    days_after_due: int
    channels: tuple[DeliveryChannel, ...]


async def stages_of(school_id: int) -> list[Stage]:
    """The school's stages, earliest first; [] when reminders are off."""
    rows = await ReminderStage.filter(school_id=school_id).order_by("days_after_due")
    return [Stage(r.days_after_due, tuple(r.channel_list())) for r in rows]


async def set_reminder_policy(
    caller: Caller, school_id: int | None, stages: Sequence[Stage]
) -> School:
    """Replace the school's stages (empty: reminders off); every stage is checked first."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(POLICY_ROLE, school.id)
    problems = Problems()
    if len(stages) > MAX_STAGES:
        problems.add(ErrorCode.INVALID_INPUT, f"At most {MAX_STAGES} stages.", "stages")
    seen: set[int] = set()
    for index, stage in enumerate(stages):
        at = ("stages", str(index))
        if not 1 <= stage.days_after_due <= MAX_DAYS:
            problems.add(
                ErrorCode.INVALID_INPUT,
                f"daysAfterDue must be 1 to {MAX_DAYS}.",
                *at,
                "daysAfterDue",
            )
        elif stage.days_after_due in seen:
            problems.add(
                ErrorCode.INVALID_INPUT, "Two stages on the same day.", *at, "daysAfterDue"
            )
        seen.add(stage.days_after_due)
        if not stage.channels:
            problems.add(ErrorCode.INVALID_INPUT, "Give at least one channel.", *at, "channels")
    problems.raise_if_any()
    async with in_transaction() as connection:
        await ReminderStage.filter(school_id=school.id).using_db(connection).delete()
        if stages:
            await ReminderStage.bulk_create(
                [
                    ReminderStage(
                        school_id=school.id,
                        days_after_due=s.days_after_due,
                        channels=",".join(sorted(set(s.channels))),
                    )
                    for s in stages
                ],
                using_db=connection,
            )
        await audit.record(
            caller,
            audit.AuditAction.SET_REMINDER_POLICY,
            school,
            school_id=school.id,
            stages=[
                {"daysAfterDue": s.days_after_due, "channels": sorted(set(s.channels))}
                for s in stages
            ],
        )
    return school
