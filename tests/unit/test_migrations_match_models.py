"""The committed migrations describe the models exactly: `tortoise makemigrations` has
nothing to write. A model changed without its migration (or a migration edited by hand
away from its model) fails here, not in the next engineer's makemigrations, which would
otherwise also carry someone else's drift into their change."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from domain import db


async def test_makemigrations_finds_nothing_to_write() -> None:
    config = db.tortoise_config("sqlite://:memory:")
    await db.init_db("sqlite://:memory:")
    try:
        writers = await MigrationAutodetector(Tortoise.apps, config["apps"]).changes()
        pending = [
            f"{writer.name}: {[operation.describe() for operation in writer.operations]}"
            for writer in writers
        ]
    finally:
        await db.close_db()
    assert pending == [], pending
