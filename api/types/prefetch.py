"""Pages resolved without a coroutine per field: a list's root resolver loads, in the same
batches the DataLoaders would send, what its page's nested fields select; those fields then
answer synchronously from the loaders' caches (and fall back to awaiting them otherwise).

graphql-core completes an object whose fields are all plain values in one pass, but every
awaitable field costs a coroutine, a task and a gather per object; on a 100-invoice page
that was most of its CPU time.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection

from api.context import Info

K = TypeVar("K")
T = TypeVar("T")


def later(awaitable: Awaitable[T]) -> T:
    """A sync resolver's result that is not ready yet: graphql-core awaits an awaitable that a
    resolver returns, so a field may answer now when it can and later otherwise."""
    return cast(T, awaitable)


def ready(loader: DataLoader[K, T], key: K) -> Future[T] | None:
    """The loader's resolved future of `key` when it already holds the value, else None."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.cancelled() or future.exception():
        return None
    return future


def _fields(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The sub-selections of every field `name` among `selections` (through fragments)."""
    found: list[Selection] = []
    for s in selections:
        if isinstance(s, InlineFragment | FragmentSpread):
            found.extend(_fields(s.selections, name))
        elif s.name == name:
            found.extend(s.selections)
    return found


def selections_at(info: Info, *path: str) -> list[Selection]:
    """What the query selects at `path` below the current field (empty: not selected)."""
    current: list[Selection] = []
    for field in info.selected_fields:
        current.extend(field.selections)
    for name in path:
        current = _fields(current, name)
    return current


def selects(info: Info, *path: str) -> bool:
    """The query selects the field at `path` below the current field (any alias)."""
    *parents, last = path
    return selects_in(selections_at(info, *parents), last)


def selects_in(selections: Iterable[Selection], name: str) -> bool:
    return any(
        selects_in(s.selections, name)
        if isinstance(s, InlineFragment | FragmentSpread)
        else s.name == name
        for s in selections
    )


async def load_all(loader: DataLoader[K, Any], keys: Iterable[K]) -> list[Any]:
    """Every key's value through the loader: one batch, cached for the fields that follow."""
    return list(await loader.load_many(list(dict.fromkeys(keys))))
