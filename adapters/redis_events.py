"""Run events over Redis pub/sub: a worker publishes, every server replica's subscribers hear."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

logger = logging.getLogger("billing.events")

#: Channel of a run's events: this prefix and the run id.
CHANNEL_PREFIX = "billing:run:"


class RedisRunEvents:
    """Events over Redis pub/sub: a worker publishes, every server replica's subscribers hear."""

    def __init__(self, url: str) -> None:
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
