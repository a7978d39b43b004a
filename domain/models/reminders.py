"""Reminders of unpaid invoices: a school's stages, one delivery per invoice/stage/channel,
and one claim per school and day for the daily job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.notifications import DeliveryChannel, DeliveryStatus

if TYPE_CHECKING:
    from domain.models.invoices import Invoice
    from domain.models.school import School


class ReminderStage(Model):
    """One stage of a school's reminder policy: sent `days_after_due` days past the due date."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="reminder_stages", on_delete=fields.CASCADE
    )
    school_id: int
    days_after_due = fields.IntField()
    #: The channels, comma-separated (e.g. "EMAIL,SMS").
    channels = fields.CharField(max_length=32)

    class Meta:
        table = "reminder_stage"
        unique_together = (("school", "days_after_due"),)

    def channel_list(self) -> list[DeliveryChannel]:
        return [DeliveryChannel(c) for c in self.channels.split(",") if c]


class ReminderDelivery(Model):
    """One stage's reminder of one invoice on one channel - sent at most once (the row is the
    claim)."""

    id = fields.BigIntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="reminders", on_delete=fields.CASCADE
    )
    invoice_id: int
    #: The stage's days after the due date.
    stage = fields.IntField()
    channel = fields.CharEnumField(DeliveryChannel, max_length=8)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.QUEUED)
    recipient = fields.CharField(max_length=254, null=True)
    reason = fields.TextField(null=True)
    attempts = fields.IntField(default=0)
    claimed_at = fields.DatetimeField(null=True)
    queued_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reminder_delivery"
        unique_together = (("invoice", "stage", "channel"),)


class ReminderDay(Model):
    """The daily job's claim on one school and day: however many workers run, one does it."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="reminder_days", on_delete=fields.CASCADE
    )
    school_id: int
    day = fields.DateField()
    claimed_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reminder_day"
        unique_together = (("school", "day"),)
