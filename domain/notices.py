"""What a guardian is told about an invoice, and the ports through which it is sent.

The domain says what it needs (send this notice by e-mail, by SMS) as two small protocols;
`adapters/` implements them (SMTP, an HTTP SMS gateway) and the process installs the
configured ones at start-up. Nothing here imports a transport library.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

#: Longest failure reason kept on a delivery (the rest of a server's answer is noise).
REASON_MAX = 500


class NoticeFailed(Exception):
    """The notice could not be handed over; the message says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason[:REASON_MAX])


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


class EmailSender(Protocol):
    """Hands an invoice notice to an e-mail service; raises NoticeFailed when it cannot."""

    async def send_email(self, notice: Notice, to: str) -> None: ...


class SmsSender(Protocol):
    """Hands an invoice notice to an SMS service; raises NoticeFailed when it cannot."""

    async def send_sms(self, notice: Notice, to: str) -> None: ...


@dataclass(frozen=True)
class NoticeSenders:
    """The senders this process has; a channel without one fails with the setting to set."""

    email: EmailSender | None = None
    sms: SmsSender | None = None

    async def send_email(self, notice: Notice, to: str) -> None:
        if self.email is None:
            raise NoticeFailed("E-mail is not configured (SMTP_URL).")
        await self.email.send_email(notice, to)

    async def send_sms(self, notice: Notice, to: str) -> None:
        if self.sms is None:
            raise NoticeFailed("SMS is not configured (SMS_GATEWAY_URL).")
        await self.sms.send_sms(notice, to)


_senders = NoticeSenders()


def set_notice_senders(senders: NoticeSenders) -> None:
    global _senders
    _senders = senders


def notice_senders() -> NoticeSenders:
    """The process's senders (installed from the settings at start-up; none before)."""
    return _senders
