"""Run events: "run N changed", in-process or over Redis pub/sub so any replica can listen."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Protocol

logger = logging.getLogger("billing.events")

CHANNEL_PREFIX = "billing:run:"


class RunEvents(Protocol):
    async def publish(self, run_id: int) -> None: ...

    def listen(self, run_id: int) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[None]]:
        """A queue that receives an item each time the run changes, while the context is open."""
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

    async def close(self) -> None:
        self._queues.clear()


class RedisRunEvents:
    """Events over Redis pub/sub: a worker publishes, every server replica's subscribers hear."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url)

    async def publish(self, run_id: int) -> None:
        try:
            await self._redis.publish(f"{CHANNEL_PREFIX}{run_id}", b"1")
        except Exception:  # an event lost is repaired by the subscriber's periodic re-read
            logger.warning("could not publish the event of run %s", run_id, exc_info=True)

    @contextlib.asynccontextmanager
    async def listen(self, run_id: int) -> AsyncIterator[asyncio.Queue[None]]:
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)

        async def pump() -> None:
            try:
                await pubsub.subscribe(f"{CHANNEL_PREFIX}{run_id}")
                async for _ in pubsub.listen():
                    with contextlib.suppress(asyncio.QueueFull):
                        queue.put_nowait(None)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis gone: the subscriber falls back to periodic re-reads
                logger.warning("lost the event stream of run %s", run_id, exc_info=True)

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


_bus: RunEvents = LocalRunEvents()


def set_run_events(bus: RunEvents) -> None:
    global _bus
    _bus = bus


def run_events() -> RunEvents:
    """The process's event bus (set by the runtime at start)."""
    return _bus
