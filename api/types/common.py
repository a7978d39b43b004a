"""Node, Money, PageInfo and the generic connection every list is served through."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Generic, Self, TypeVar, cast

import strawberry
from strawberry.types.private import is_private
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import keyset
from api.context import Info
from api.errors import ClientError
from api.ids import encode_id

T = TypeVar("T")
V = TypeVar("V")
W = TypeVar("W", bound="Viewed")

DEFAULT_PAGE = 20
MAX_PAGE = 100
#: Largest offset a cursor may hold (a larger one is no cursor we handed out, and would
#: overflow the database's OFFSET parameter).
MAX_OFFSET = 2**31 - 1

#: The paging arguments of every connection field, described once.
FirstArg = Annotated[
    int | None, strawberry.argument(description="Page size: 20 unless given, at most 100.")
]
AfterArg = Annotated[
    str | None,
    strawberry.argument(description="Cursor to continue after (a `pageInfo.endCursor`)."),
]
#: The school whose list a root field serves.
SchoolArg = Annotated[strawberry.ID, strawberry.argument(description="The school.")]
#: A list's optional filter input, e.g. `FilterArg[StudentFilter]`.
FilterArg = Annotated[T | None, strawberry.argument(description="Narrows the list.")]


def optional(description: str) -> Any:
    """An input field the client may leave out or send as null (then None)."""
    return strawberry.field(default=None, description=description)


def unset(description: str) -> Any:
    """A field of an update input: left out (UNSET) keeps the current value."""
    return strawberry.field(default=strawberry.UNSET, description=description)


class Viewed:
    """A GraphQL type that is a view of one domain row (`model`), built by `of`."""

    @classmethod
    def of(cls, m: Any, **values: Any) -> Self:
        return view(cls, m, **values)


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node(Viewed):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


@strawberry.type(description="An amount of money in a currency.")
class Money:
    amount: Decimal = strawberry.field(description="Exact amount, as a decimal string.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. KES.")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass as `after`."
    )


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, with the size of the whole filtered list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="How many items the whole filtered list has.")


def page_size(first: int | None) -> int:
    """`first` defaults to 20 and may not exceed 100."""
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise ClientError(f"`first` must be between 0 and {MAX_PAGE}.")
    return first


async def paginate(
    qs: QuerySet[Any],
    first: int | None,
    after: str | None,
    wrap: Callable[[Any], T],
) -> Connection[T]:
    """One page of a queryset (ordered by the caller) plus the filtered total.

    Cursors are keyset cursors (`api.keyset`): a page continues right after the last row
    of the previous one, whatever was added or removed meanwhile.
    """
    size = page_size(first)
    keys = keyset.sort_keys(qs)
    page = qs.order_by(*(f"-{name}" if desc else name for name, desc in keys))
    if after is not None:
        page = page.filter(keyset.after(qs.model, keys, after))
    rows = list(await page.limit(size + 1)) if size else []
    total = await qs.count()
    has_next = len(rows) > size
    edges = [Edge(cursor=keyset.encode(qs.model, keys, r), node=wrap(r)) for r in rows[:size]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def paginate_list(
    rows: Sequence[Any],
    first: int | None,
    after: str | None,
    identity: Callable[[Any], str],
    wrap: Callable[[Any], T],
) -> Connection[T]:
    """One page of a small list already in memory (a ledger's entries), keyset-style: the
    cursor names the row by its identity, so a page continues right after that row
    wherever it now stands, however many rows were added before it."""
    size = page_size(first)
    start = 0
    if after is not None:
        try:
            kind, _, ident = base64.urlsafe_b64decode(after.encode()).decode().partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ClientError("`after` is not a cursor of this list.") from exc
        positions = [i for i, r in enumerate(rows) if identity(r) == ident]
        if kind != "k" or not positions:
            raise ClientError("`after` is not a cursor of this list.")
        start = positions[0] + 1
    page = list(rows[start : start + size + 1]) if size else []
    edges = [
        Edge(cursor=base64.urlsafe_b64encode(f"k:{identity(r)}".encode()).decode(), node=wrap(r))
        for r in page[:size]
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(page) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(rows),
    )


def money(amount: Decimal | str | int, currency: str) -> Money:
    return Money(amount=Decimal(amount).quantize(Decimal("0.01")), currency=currency)


def money_field(attr: str, description: str) -> Any:
    """A Money field: `self.model.<attr>` in `self.currency` (types that carry their currency)."""

    def resolve(root: Any) -> Money:
        return money(getattr(root.model, attr), root.currency)

    return strawberry.field(resolver=resolve, description=description)


@functools.cache
def _plain_fields(cls: type) -> tuple[str, tuple[str, ...]]:
    """A GraphQL type's name and the names of its fields that are neither resolvers nor
    private (computed once per type: `view` runs for every object served)."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    names = tuple(
        f.python_name
        for f in definition.fields
        if f.base_resolver is None and not is_private(f.type)
    )
    return definition.name, names


def view(cls: type[V], m: Any, **values: Any) -> V:
    """The GraphQL view of a domain row, held as `model`: its global id, and each plain field
    read from the row's attribute of the same name unless given in `values`."""
    type_name, names = _plain_fields(cast(type, cls))
    for name in names:
        if name not in values:
            if name == "id":
                values["id"] = strawberry.ID(encode_id(type_name, m.id))
            else:
                values[name] = getattr(m, name)
    result: V = cast(Any, cls)(model=m, **values)
    return result


async def linked(info: Info, model: type[Model], cls: type[W], pk: int | None) -> W | None:
    """The view of the row an object links to by an optional key; None without key or row."""
    row = await info.context.loaders.by_id(model).load(pk) if pk is not None else None
    return cls.of(row) if row is not None else None


async def linked_required(info: Info, model: type[Model], cls: type[W], pk: int) -> W:
    """The view of the row an object of the caller's links to by a required key."""
    found = await linked(info, model, cls, pk)
    assert found is not None, f"{model.__name__} {pk} of a visible object is missing"
    return found
