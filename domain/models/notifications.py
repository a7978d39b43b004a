"""Invoice notices to guardians: one delivery record per invoice and channel."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.models.columns import big_pk, count, fk, moment

if TYPE_CHECKING:
    from domain.models.billing import BillingRun
    from domain.models.invoices import Invoice


class DeliveryChannel(StrEnum):
    """How a guardian is told about an invoice."""

    EMAIL = "EMAIL"
    SMS = "SMS"


class DeliveryStatus(StrEnum):
    """QUEUED until a worker sends it - then SENT, FAILED (with a reason) or NO_CONTACT."""

    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    NO_CONTACT = "NO_CONTACT"


class InvoiceDelivery(Model):
    """The notice of one invoice on one channel - sent at most once (the row is the claim)."""

    id = big_pk()
    invoice: fields.ForeignKeyRelation[Invoice] = fk("Invoice", "deliveries", fields.CASCADE)
    invoice_id: int
    channel = fields.CharEnumField(DeliveryChannel, max_length=8)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.QUEUED)
    #: The e-mail address or phone number used (none when NO_CONTACT).
    recipient = fields.CharField(max_length=254, null=True)
    #: Why the last attempt failed, for a person.
    reason = fields.TextField(null=True)
    attempts = count()
    #: Set while a worker sends - another worker leaves the row alone until the lease ends.
    claimed_at = moment()
    queued_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)
    sent_at = moment()

    class Meta:
        table = "invoice_delivery"
        unique_together = (("invoice", "channel"),)


class RunNotices(Model):
    """The sending of one billing run's invoices (sendBillingRunInvoices) and its progress.

    The counters are recounted from the delivery rows after every batch a worker sends, so
    they are exact when `finished_at` is set; the delivery rows remain the claim.
    """

    run: fields.OneToOneRelation[BillingRun] = fields.OneToOneField(
        "models.BillingRun", related_name="notices", on_delete=fields.CASCADE, primary_key=True
    )
    run_id: int
    #: The channels asked for, comma-separated (e.g. "EMAIL,SMS").
    channels = fields.CharField(max_length=32)
    requested_at = fields.DatetimeField()
    finished_at = moment()
    #: Live invoices of the run when sending was asked for.
    total = count()
    sent = count()
    failed = count()
    no_contact = count()

    class Meta:
        table = "run_notices"

    def channel_list(self) -> list[DeliveryChannel]:
        return [DeliveryChannel(c) for c in self.channels.split(",") if c]
