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


class RunChanges(Protocol):
    """The changes of one run, heard while its `listen` context is open."""

    async def wait(self, seconds: float) -> None:
        """Return at the run's next change, or after `seconds`, whichever comes first."""
        ...

    async def drain(self) -> None:
        """Forget the changes heard so far (they are read in one go)."""
        ...


class RunEvents(Protocol):
    async def publish(self, run_id: int) -> None: ...

    def listen(self, run_id: int) -> contextlib.AbstractAsyncContextManager[RunChanges]:
        """The run's changes, heard from the moment the context is entered until it exits.

        Entering returns only once listening has started, so a read made inside the context
        cannot miss a change; exiting frees what listening held, at once and for good.
        """
        ...

    async def ping(self) -> bool:
        """Whether the transport answers (always, in-process)."""
        ...

    async def close(self) -> None: ...


class QueuedChanges:
    """Changes as items of a one-slot queue (several changes before a read count as one)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)

    def put(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.queue.get(), timeout=seconds)

    async def drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()


class LocalRunEvents:
    """Events within one process and one event loop (the embedded default)."""

    def __init__(self) -> None:
        self._listeners: dict[int, set[QueuedChanges]] = defaultdict(set)

    async def publish(self, run_id: int) -> None:
        for changes in list(self._listeners.get(run_id, ())):
            changes.put()

    @contextlib.asynccontextmanager
    async def listen(self, run_id: int) -> AsyncIterator[QueuedChanges]:
        changes = QueuedChanges()
        self._listeners[run_id].add(changes)
        try:
            yield changes
        finally:
            self._listeners[run_id].discard(changes)
            if not self._listeners[run_id]:
                del self._listeners[run_id]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._listeners.clear()


_bus: RunEvents = LocalRunEvents()


def set_run_events(bus: RunEvents) -> None:
    global _bus
    _bus = bus


def run_events() -> RunEvents:
    """The process's event bus (set by the runtime at start)."""
    return _bus
