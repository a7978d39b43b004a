"""Mutations about reminders of unpaid invoices: a school's reminder policy."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.ids import decode_id
from api.mutations.base import mutation, outcome, payload
from api.types.deliveries import DeliveryChannel
from api.types.school import School
from domain import reminder_policy


@strawberry.input(description="One reminder stage.")
class ReminderStageInput:
    days_after_due: int = strawberry.field(description="Days after the due date (1 to 365).")
    channels: list[DeliveryChannel] = strawberry.field(description="At least one channel.")


@strawberry.input(description="A school's reminder stages, replacing the ones it had.")
class SetReminderPolicyInput:
    school_id: strawberry.ID = strawberry.field(description="The school.")
    stages: list[ReminderStageInput] = strawberry.field(description="Empty: reminders off.")


@payload(description="The school with its new reminder policy, or why not.")
class ReminderPolicyPayload:
    school: School | None = outcome("The school as it is now; null on errors.")


@strawberry.type
class ReminderMutation:
    @mutation(
        "Sets the stages by which a school's unpaid balances are reminded (FINANCE or ADMIN).",
        input="The school and its stages.",
    )
    async def set_reminder_policy(
        self, info: Info, input: SetReminderPolicyInput
    ) -> ReminderPolicyPayload:
        row = await reminder_policy.set_reminder_policy(
            info.context.caller,
            decode_id(input.school_id, "School"),
            [
                reminder_policy.Stage(
                    s.days_after_due, tuple(DeliveryChannel(c) for c in s.channels)
                )
                for s in input.stages
            ],
        )
        return ReminderPolicyPayload(school=School.of(row))
