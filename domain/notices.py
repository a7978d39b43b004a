"""What a guardian is told about an invoice, and how: SMTP e-mail or an SMS gateway."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx

from domain.settings import Settings

#: Longest failure reason kept on a delivery (the rest of a server's answer is noise).
REASON_MAX = 500
#: SMTP ports when the URL gives none: submission with STARTTLS, or implicit TLS.
SMTP_PORT = 587
SMTPS_PORT = 465


class NoticeFailed(Exception):
    """The notice could not be handed over; the message says why, for a person."""


@dataclass(frozen=True)
class Notice:
    """Everything a notice says: who, what, how much, when due, and the invoice number."""

    school: str
    number: str
    student: str
    admission_number: str
    guardian: str | None
    term: str
    currency: str
    lines: tuple[tuple[str, Decimal], ...]
    total: Decimal
    paid: Decimal
    due_date: date

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid

    def amount(self, value: Decimal) -> str:
        return f"{self.currency} {value:,.2f}"

    def subject(self) -> str:
        return (
            f"Invoice {self.number} from {self.school}: "
            f"{self.amount(self.balance)} due {self.due_date:%d %B %Y}"
        )

    def text(self) -> str:
        width = max([len(d) for d, _ in self.lines] + [len("Balance due")]) + 2
        rows = [f"  {d:<{width}}{self.amount(a)}" for d, a in self.lines]
        rows.append(f"  {'Total':<{width}}{self.amount(self.total)}")
        if self.paid:
            rows.append(f"  {'Paid':<{width}}{self.amount(self.paid)}")
        rows.append(f"  {'Balance due':<{width}}{self.amount(self.balance)}")
        return "\n".join(
            [
                f"Dear {self.guardian or 'parent or guardian'},",
                "",
                f"{self.school} has issued invoice {self.number} for {self.student} "
                f"(admission number {self.admission_number}), {self.term}.",
                "",
                *rows,
                "",
                f"Please pay {self.amount(self.balance)} by {self.due_date:%d %B %Y} "
                f"and quote {self.number} with your payment.",
                "",
                self.school,
                "",
            ]
        )

    def html(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(d)}</td><td align='right'>{e(self.amount(a))}</td></tr>"
            for d, a in self.lines
        )
        paid = (
            f"<tr><td>Paid</td><td align='right'>{e(self.amount(self.paid))}</td></tr>"
            if self.paid
            else ""
        )
        return (
            "<html><body>"
            f"<p>Dear {e(self.guardian or 'parent or guardian')},</p>"
            f"<p>{e(self.school)} has issued invoice <strong>{e(self.number)}</strong> for "
            f"{e(self.student)} (admission number {e(self.admission_number)}), {e(self.term)}.</p>"
            f"<table>{rows}"
            f"<tr><th align='left'>Total</th>"
            f"<th align='right'>{e(self.amount(self.total))}</th></tr>"
            f"{paid}"
            f"<tr><th align='left'>Balance due</th>"
            f"<th align='right'>{e(self.amount(self.balance))}</th></tr></table>"
            f"<p>Please pay {e(self.amount(self.balance))} by "
            f"<strong>{self.due_date:%d %B %Y}</strong> and quote {e(self.number)} "
            "with your payment.</p>"
            f"<p>{e(self.school)}</p></body></html>"
        )

    def sms(self) -> str:
        return (
            f"{self.school}: invoice {self.number} for {self.student}, "
            f"{self.amount(self.balance)} due {self.due_date.isoformat()}. "
            f"Quote {self.number} when paying."
        )


def email_message(notice: Notice, sender: str, to: str) -> EmailMessage:
    """The e-mail, in plain text with an HTML alternative."""
    message = EmailMessage()
    message["Subject"] = notice.subject()
    message["From"] = sender
    message["To"] = to
    message.set_content(notice.text())
    message.add_alternative(notice.html(), subtype="html")
    return message


def _reason(text: str) -> str:
    return text[:REASON_MAX]


async def send_email(settings: Settings, notice: Notice, to: str) -> None:
    """Hand the e-mail to the SMTP server of SMTP_URL."""
    if not settings.smtp_url:
        raise NoticeFailed("E-mail is not configured (SMTP_URL).")
    url = urlsplit(settings.smtp_url)
    implicit_tls = url.scheme == "smtps"
    try:
        await aiosmtplib.send(
            email_message(notice, settings.smtp_from, to),
            hostname=url.hostname or "localhost",
            port=url.port or (SMTPS_PORT if implicit_tls else SMTP_PORT),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=implicit_tls,
            timeout=settings.notify_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise NoticeFailed(_reason(f"SMTP: {type(exc).__name__}: {exc}")) from exc


async def send_sms(settings: Settings, notice: Notice, to: str) -> None:
    """POST the SMS as JSON to SMS_GATEWAY_URL; any answer but 2xx is a failure."""
    if not settings.sms_gateway_url:
        raise NoticeFailed("SMS is not configured (SMS_GATEWAY_URL).")
    body = {"to": to, "message": notice.sms(), "reference": notice.number}
    try:
        async with httpx.AsyncClient(timeout=settings.notify_timeout_seconds) as client:
            response = await client.post(settings.sms_gateway_url, json=body)
    except httpx.HTTPError as exc:
        raise NoticeFailed(_reason(f"SMS gateway: {type(exc).__name__}: {exc}")) from exc
    if not response.is_success:
        raise NoticeFailed(
            _reason(f"SMS gateway answered {response.status_code}: {response.text.strip()}")
        )
