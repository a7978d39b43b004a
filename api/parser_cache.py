"""A parse cache that leaves parsing to Strawberry, so that a syntax error stays a request
error on every transport (Strawberry's ParserCache parses outside the guarded step: over
WebSocket a syntax error then crashed the operation into a bare `complete`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

#: Distinct query texts kept parsed (shared by every request of the process).
MAX_CACHED = 256

_cache: OrderedDict[tuple[str, int | None], DocumentNode] = OrderedDict()


class ParserCache(SchemaExtension):
    """Reuse the parsed document of a query text seen before; parse new ones the guarded way."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is None or context.graphql_document is not None:
            yield
            return
        key = (query, context.parse_options.get("max_tokens"))
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            context.graphql_document = cached
        yield
        if cached is None and context.graphql_document is not None:
            _cache[key] = context.graphql_document
            if len(_cache) > MAX_CACHED:
                _cache.popitem(last=False)
