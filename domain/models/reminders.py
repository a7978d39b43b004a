"""Reminders of unpaid invoices: a school's stages, one delivery per invoice/stage/channel,
and one claim per school and day for the daily job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import big_pk, count, fk, moment, pk, school_fk
from domain.models.notifications import DeliveryChannel, DeliveryStatus

if TYPE_CHECKING:
    from domain.models.invoices import Invoice
    from domain.models.school import School


class ReminderStage(Model):
    """One stage of a school's reminder policy: sent `days_after_due` days past the due date."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("reminder_stages")
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

    id = big_pk()
    invoice: fields.ForeignKeyRelation[Invoice] = fk("Invoice", "reminders", fields.CASCADE)
    invoice_id: int
    #: The stage's days after the due date.
    stage = fields.IntField()
    channel = fields.CharEnumField(DeliveryChannel, max_length=8)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.QUEUED)
    recipient = fields.CharField(max_length=254, null=True)
    reason = fields.TextField(null=True)
    attempts = count()
    claimed_at = moment()
    queued_at = fields.DatetimeField()
    sent_at = moment()

    class Meta:
        table = "reminder_delivery"
        unique_together = (("invoice", "stage", "channel"),)


class ReminderDay(Model):
    """The daily job's claim on one school and day: however many workers run, one does it."""

    id = pk()
    school: fields.ForeignKeyRelation[School] = school_fk("reminder_days")
    school_id: int
    day = fields.DateField()
    claimed_at = fields.DatetimeField()
    finished_at = moment()

    class Meta:
        table = "reminder_day"
        unique_together = (("school", "day"),)
