"""Database connection lifecycle and migrations, the same for SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from domain.settings import get_settings

MODEL_MODULES = [
    "domain.models.accounts",
    "domain.models.school",
    "domain.models.fees",
    "domain.models.pricing",
    "domain.models.billing",
    "domain.models.invoices",
    "domain.models.mpesa",
    "domain.models.reversals",
    "domain.models.imports",
    "domain.models.notifications",
    "domain.models.reminders",
    "domain.models.audit",
]


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    """The Tortoise config for a database URL (default: the settings' DATABASE_URL)."""
    url = database_url or get_settings().database_url
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` reads TORTOISE_ORM from [tool.tortoise]; computed lazily so
    # that importing this module never reads the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)


async def init_db(database_url: str | None = None, *, global_fallback: bool = True) -> None:
    """Open the connections of this process (one event loop owns them)."""
    await Tortoise.init(
        config=tortoise_config(database_url), _enable_global_fallback=global_fallback
    )


async def close_db() -> None:
    """Close this process's connections (and forget the context, so that init may run again)."""
    await Tortoise.close_connections()


async def migrate_db(database_url: str | None = None) -> None:
    """Apply every committed migration (idempotent)."""
    await tortoise_migrate(config=tortoise_config(database_url))
    await connections.close_all()


def conn() -> BaseDBAsyncClient:
    """The default connection (or the current transaction's, inside `in_transaction`)."""
    return connections.get("default")


def is_postgres(connection: BaseDBAsyncClient | None = None) -> bool:
    """Whether set-based SQL must speak PostgreSQL rather than SQLite."""
    c = connection or conn()
    return c.capabilities.dialect == "postgres"


_PARAM = re.compile(r"\$(\d+)")


def sql(connection: BaseDBAsyncClient, text: str) -> str:
    """Write SQL once with $1-style parameters; SQLite takes them as ?1."""
    return text if is_postgres(connection) else _PARAM.sub(r"?\1", text)
