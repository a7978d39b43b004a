"""The domain's ports implemented over real transports, chosen at start-up from the Settings.

`domain` states what it needs as small protocols (send an e-mail, send an SMS, publish and
listen to run events); the modules here implement them (`smtp`, `sms_gateway`,
`redis_events`, `redis_throttle`) and `chosen` picks the ones a process's settings ask for. A process
installs them once at start (`workers.runtime` does, for the server and the worker) and
closes them at the end. Only this package imports aiosmtplib, httpx or redis for the domain.
A new port (a PDF renderer, say) is one protocol in `domain`, one module here
(`adapters/pdf*`) and one field of `Adapters` filled by `chosen`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.pdf import TypstInvoiceRenderer
from domain.events import LocalRunEvents, RunEvents, set_run_events
from domain.invoice_documents import InvoiceRenderer, set_invoice_renderer
from domain.notices import NoticeSenders, set_notice_senders
from domain.send_rate import SendThrottle, Throttle, rates_of, set_send_throttle
from domain.settings import Settings


@dataclass
class Adapters:
    """What one process talks to: its run events, its notice senders, its PDF renderer, and
    the throttle that keeps notices to their rate (shared over Redis, else this process's)."""

    events: RunEvents = field(default_factory=LocalRunEvents)
    senders: NoticeSenders = field(default_factory=NoticeSenders)
    renderer: InvoiceRenderer = field(default_factory=lambda: TypstInvoiceRenderer(threads=1))
    throttle: SendThrottle | None = None

    def install(self) -> None:
        """Make these the ones the domain uses in this process."""
        set_run_events(self.events)
        set_notice_senders(self.senders)
        set_invoice_renderer(self.renderer)
        set_send_throttle(self.throttle)

    async def close(self) -> None:
        """Close their connections and put the in-process defaults back."""
        await self.events.close()
        closing = getattr(self.throttle, "close", None)
        if closing is not None:
            await closing()
        set_run_events(LocalRunEvents())
        set_notice_senders(NoticeSenders())
        set_invoice_renderer(None)
        set_send_throttle(None)


def run_events_for(settings: Settings) -> RunEvents:
    """Redis pub/sub with REDIS_URL (any replica hears any worker), else in-process."""
    if settings.redis_url:
        from adapters.redis_events import RedisRunEvents

        return RedisRunEvents(settings.redis_url)
    return LocalRunEvents()


def notice_senders_for(settings: Settings) -> NoticeSenders:
    """SMTP with SMTP_URL, the HTTP gateway with SMS_GATEWAY_URL; a channel unset has none."""
    email = sms = None
    if settings.smtp_url:
        from adapters.smtp import SmtpEmailSender

        email = SmtpEmailSender(
            settings.smtp_url,
            sender=settings.smtp_from,
            timeout_seconds=settings.notify_timeout_seconds,
        )
    if settings.sms_gateway_url:
        from adapters.sms_gateway import HttpSmsSender

        sms = HttpSmsSender(
            settings.sms_gateway_url, timeout_seconds=settings.notify_timeout_seconds
        )
    return NoticeSenders(email=email, sms=sms)


def throttle_for(settings: Settings) -> SendThrottle:
    """The notices' rate per channel shared by every worker over Redis with REDIS_URL, else
    kept by this process (the embedded mode runs its workers in it)."""
    if settings.redis_url:
        from adapters.redis_throttle import RedisThrottle

        return RedisThrottle(settings.redis_url, rates_of(settings))
    return Throttle.from_settings(settings)


def renderer_for(settings: Settings) -> InvoiceRenderer:
    """Typst, typesetting on BILLING_PDF_THREADS threads of its own."""
    return TypstInvoiceRenderer(threads=settings.billing_pdf_threads)


def chosen(settings: Settings) -> Adapters:
    """The adapters these settings ask for (not installed yet)."""
    return Adapters(
        events=run_events_for(settings),
        senders=notice_senders_for(settings),
        renderer=renderer_for(settings),
        throttle=throttle_for(settings),
    )
