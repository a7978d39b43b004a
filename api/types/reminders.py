"""Reminders of unpaid invoices: a school's policy (stages) and each invoice's reminders."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.types.deliveries import DeliveryChannel, DeliveryStatus
from domain.models.reminders import ReminderDelivery as ReminderDeliveryModel
from domain.reminder_policy import Stage


@strawberry.type(description="One reminder stage: sent this many days past the due date.")
class ReminderStage:
    days_after_due: int = strawberry.field(
        description="Days after the due date when this stage is sent."
    )
    channels: list[DeliveryChannel] = strawberry.field(description="How the guardian is reminded.")

    @classmethod
    def of(cls, stage: Stage) -> ReminderStage:
        return cls(days_after_due=stage.days_after_due, channels=list(stage.channels))


@strawberry.type(description="How a school reminds guardians of unpaid balances.")
class ReminderPolicy:
    stages: list[ReminderStage] = strawberry.field(description="The stages, earliest first.")


@strawberry.type(description="One stage's reminder of an invoice on one channel, and how it went.")
class ReminderDelivery:
    stage: int = strawberry.field(description="The stage's daysAfterDue.")
    channel: DeliveryChannel = strawberry.field(description="E-mail or SMS.")
    status: DeliveryStatus = strawberry.field(description="Where the reminder is.")
    sent_at: datetime | None = strawberry.field(description="When the reminder went out.")

    @classmethod
    def of(cls, row: ReminderDeliveryModel) -> ReminderDelivery:
        return cls(stage=row.stage, channel=row.channel, status=row.status, sent_at=row.sent_at)
