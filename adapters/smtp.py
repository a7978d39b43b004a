"""E-mail through an SMTP server (SMTP_URL): the domain's EmailSender."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from domain.notices import Notice, NoticeFailed

#: SMTP ports when the URL gives none: submission with STARTTLS, or implicit TLS.
SMTP_PORT = 587
SMTPS_PORT = 465


def email_message(notice: Notice, sender: str, to: str) -> EmailMessage:
    """The e-mail, in plain text with an HTML alternative."""
    message = EmailMessage()
    message["Subject"] = notice.subject()
    message["From"] = sender
    message["To"] = to
    message.set_content(notice.text())
    message.add_alternative(notice.html(), subtype="html")
    return message


class SmtpEmailSender:
    """Hands each e-mail to the SMTP server of a URL (smtp:// with STARTTLS, smtps:// TLS)."""

    def __init__(self, url: str, *, sender: str, timeout_seconds: float) -> None:
        self.url = urlsplit(url)
        self.sender = sender
        self.timeout_seconds = timeout_seconds

    async def send_email(self, notice: Notice, to: str) -> None:
        implicit_tls = self.url.scheme == "smtps"
        try:
            await aiosmtplib.send(
                email_message(notice, self.sender, to),
                hostname=self.url.hostname or "localhost",
                port=self.url.port or (SMTPS_PORT if implicit_tls else SMTP_PORT),
                username=unquote(self.url.username) if self.url.username else None,
                password=unquote(self.url.password) if self.url.password else None,
                use_tls=implicit_tls,
                timeout=self.timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise NoticeFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc
