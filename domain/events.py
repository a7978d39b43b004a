"""Run events: "run N changed". The port the domain publishes and listens through.

In-process by default (one server that also runs the workers); `adapters.redis_events`
carries them over Redis pub/sub so that any replica can listen to any worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Protocol


class RunEvents(Protocol):
    async def publish(self, run_id: int) -> None: ...

    def listen(self, run_id: int) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[None]]:
        """A queue that receives an item each time the run changes, while the context is open."""
        ...

    async def ping(self) -> bool:
        """Whether the transport answers (always, in-process)."""
        ...

    async def close(self) -> None: ...


class LocalRunEvents:
    """Events within one process and one event loop (the embedded default)."""

    def __init__(self) -> None:
        self._queues: dict[int, set[asyncio.Queue[None]]] = defaultdict(set)

    async def publish(self, run_id: int) -> None:
        for queue in list(self._queues.get(run_id, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    @contextlib.asynccontextmanager
    async def listen(self, run_id: int) -> AsyncIterator[asyncio.Queue[None]]:
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._queues[run_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[run_id].discard(queue)
            if not self._queues[run_id]:
                del self._queues[run_id]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._queues.clear()


_bus: RunEvents = LocalRunEvents()


def set_run_events(bus: RunEvents) -> None:
    global _bus
    _bus = bus


def run_events() -> RunEvents:
    """The process's event bus (set by the runtime at start)."""
    return _bus
