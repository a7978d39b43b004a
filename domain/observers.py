"""Hooks through which the outside (logs, metrics) hears what the domain did, without the
domain knowing who listens: the domain imports no metrics library."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("billing.observers")


@dataclass(frozen=True)
class ChunkDone:
    """One chunk of a run that changed something: how many invoices it created, how long."""

    run_id: int
    school_id: int
    chunk: int
    invoices: int
    duration_ms: float


ChunkListener = Callable[[ChunkDone], None]

_chunk_listeners: list[ChunkListener] = []


def add_chunk_listener(listener: ChunkListener) -> None:
    """Call `listener` after each chunk that changed something (once per listener)."""
    if listener not in _chunk_listeners:
        _chunk_listeners.append(listener)


def remove_chunk_listener(listener: ChunkListener) -> None:
    if listener in _chunk_listeners:
        _chunk_listeners.remove(listener)


def chunk_done(event: ChunkDone) -> None:
    """Tell every listener; a failing listener never fails the chunk, which is committed."""
    for listener in list(_chunk_listeners):
        try:
            listener(event)
        except Exception:
            logger.warning("a chunk listener failed", exc_info=True)
