"""Per-request context: the caller and the DataLoaders made for this request only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from tortoise.models import Model

from domain.access import Caller
from domain.errors import DomainError, ErrorCode

M = TypeVar("M", bound=Model)


class Loaders:
    """Batch loads by id and by parent id, so that a page of objects costs a fixed number of queries."""

    def __init__(self) -> None:
        self._by_id: dict[type[Model], DataLoader[int, Any]] = {}
        self._children: dict[tuple[type[Model], str, str | None], DataLoader[int, Any]] = {}

    def by_id(self, model: type[M]) -> DataLoader[int, M | None]:
        if model not in self._by_id:

            async def load(keys: Sequence[int]) -> list[M | None]:
                rows = {r.pk: r for r in await model.filter(pk__in=list(set(keys)))}
                return [rows.get(k) for k in keys]

            self._by_id[model] = DataLoader(load_fn=load)
        return self._by_id[model]

    def children(
        self, model: type[M], parent_field: str, order_by: str | None = None
    ) -> DataLoader[int, list[M]]:
        """Rows of `model` grouped by the value of `parent_field` (e.g. terms by school_id)."""
        key = (model, parent_field, order_by)
        if key not in self._children:

            async def load(keys: Sequence[int]) -> list[list[M]]:
                qs = model.filter(**{f"{parent_field}__in": list(set(keys))})
                if order_by:
                    qs = qs.order_by(order_by, "id")
                groups: dict[int, list[M]] = defaultdict(list)
                for row in await qs:
                    groups[getattr(row, parent_field)].append(row)
                return [groups.get(k, []) for k in keys]

            self._children[key] = DataLoader(load_fn=load)
        return self._children[key]


@dataclass
class Context:
    """What every resolver can reach: the caller (None only before WebSocket auth) and loaders."""

    request: Request | WebSocket
    response: Response | None = None
    caller_: Caller | None = None
    loaders: Loaders = field(default_factory=Loaders)
    connection_params: dict[str, Any] | None = None

    @property
    def caller(self) -> Caller:
        if self.caller_ is None:
            raise DomainError(ErrorCode.PERMISSION_DENIED, "Not authenticated.")
        return self.caller_


#: What a resolver's `info` parameter is: strawberry's Info with our context.
Info: TypeAlias = strawberry.Info[Context, None]
