"""The guardian notices of an invoice as clients see them: channel, status and attempts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.types.common import Viewed
from api.types.enums import serve_enum
from domain.models.notifications import DeliveryChannel as DomainDeliveryChannel
from domain.models.notifications import DeliveryStatus as DomainDeliveryStatus
from domain.models.notifications import InvoiceDelivery as DeliveryModel

# The domain's enums, exposed under the contract's names (serve_enum registers the class itself).
DeliveryChannel = DomainDeliveryChannel
DeliveryStatus = DomainDeliveryStatus
serve_enum(
    DeliveryChannel,
    "DeliveryChannel",
    "How a guardian is notified.",
    {"EMAIL": "E-mail over SMTP.", "SMS": "Text message via the SMS gateway."},
)
serve_enum(
    DeliveryStatus,
    "DeliveryStatus",
    "QUEUED until a worker sends it; then SENT, FAILED (see reason) or NO_CONTACT.",
    {
        "QUEUED": "Waiting for a worker.",
        "SENT": "Handed to the mail server or SMS gateway.",
        "FAILED": "Could not be sent; see the reason. Sending again retries it.",
        "NO_CONTACT": "The guardian has no address for this channel.",
    },
)


@strawberry.type(description="The notice of an invoice on one channel, and how it went.")
class InvoiceDelivery(Viewed):
    channel: DeliveryChannel = strawberry.field(description="E-mail or SMS.")
    status: DeliveryStatus = strawberry.field(description="Where the notice is.")
    recipient: str | None = strawberry.field(
        description="The guardian's e-mail address or phone number; null when NO_CONTACT."
    )
    reason: str | None = strawberry.field(description="Why the last attempt failed.")
    attempts: int = strawberry.field(description="How often sending was tried.")
    queued_at: datetime = strawberry.field(description="When sendInvoices queued the notice.")
    sent_at: datetime | None = strawberry.field(description="When the notice went out.")
    model: strawberry.Private[DeliveryModel]
