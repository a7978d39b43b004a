"""Models whose typed value has a comparison key (`domain.keys`), kept in step on every write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from domain.keys import normalise_key


class KeyedModel(Model):
    """Sets `KEY_FIELD` from `KEY_SOURCE` when built (create, bulk_create) and when saved.

    Writes that bypass the model (`QuerySet.update`, raw SQL) must set the key themselves.
    """

    KEY_SOURCE: ClassVar[str]
    KEY_FIELD: ClassVar[str]

    class Meta:
        abstract = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._refresh_key()

    def _refresh_key(self) -> None:
        source = getattr(self, self.KEY_SOURCE, None)
        if isinstance(source, str):
            setattr(self, self.KEY_FIELD, normalise_key(source))

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        self._refresh_key()
        if update_fields is not None:
            update_fields = list(update_fields)
            if self.KEY_SOURCE in update_fields:
                update_fields.append(self.KEY_FIELD)
        await super().save(using_db, update_fields, force_create, force_update)
