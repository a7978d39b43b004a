"""Links that open one invoice's PDF without a token: signed with the server's secret, dated.

A link names the invoice and the moment it stops working, and carries an HMAC of both; an
altered id, date or signature, or a link past its date, opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from domain.settings import Settings, get_settings

#: How long a shared link opens the invoice (the contract: 60 days).
LINK_DAYS = 60
#: Hex characters of the signature kept in the link (128 bits).
SIGNATURE_HEX = 32


class MissingSecretKey(RuntimeError):
    """Production was started without BILLING_SECRET_KEY."""


@dataclass(frozen=True)
class Signed:
    expires: int
    signature: str


def _key_file(settings: Settings) -> Path:
    """Embedded mode keeps its generated key beside the SQLite file (sqlite://x.sqlite3)."""
    path = settings.database_url.split("://", 1)[-1] or "billing.sqlite3"
    return Path(f"{path}.key")


def load_secret_key(settings: Settings) -> bytes:
    """The signing key: BILLING_SECRET_KEY; embedded, a key generated once into a file."""
    if settings.billing_secret_key:
        return settings.billing_secret_key.encode()
    if settings.is_production:
        raise MissingSecretKey(
            "BILLING_SECRET_KEY must be set when DATABASE_URL is PostgreSQL or REDIS_URL is set: "
            "every server must sign and check invoice links with the same key."
        )
    path = _key_file(settings)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def secret_key() -> bytes:
    """The process's key (read once; tests clear the cache with the settings')."""
    return load_secret_key(get_settings())


def _signature(invoice_id: int, expires: int) -> str:
    message = f"invoice:{invoice_id}:{expires}".encode()
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()[:SIGNATURE_HEX]


def sign_invoice(invoice_id: int, now: datetime | None = None) -> Signed:
    """A signature valid for at least LINK_DAYS; the same all day, so a link is stable."""
    moment = now or datetime.now(UTC)
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    expires = int((day + timedelta(days=LINK_DAYS + 1)).timestamp())
    return Signed(expires=expires, signature=_signature(invoice_id, expires))


def verify_invoice(
    invoice_id: int, expires: str | None, signature: str | None, now: datetime | None = None
) -> bool:
    """Whether a link's date and signature are ours for this invoice and not yet past."""
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        return False
    if not signature.isascii():
        return False
    good = _signature(invoice_id, int(expires))
    if not hmac.compare_digest(good, signature.lower()):
        return False
    return (now or datetime.now(UTC)).timestamp() < int(expires)
