"""Run events over Redis pub/sub: a worker publishes, every server replica's subscribers hear.

A listener owns one pub/sub connection for exactly as long as its `listen` context is open:
it subscribes before the context is entered (so the subscriber's first read cannot miss a
change), reads with `get_message(timeout=...)` in the listener's own task, and closes the
connection when the context exits. There is no reader task: cancelling a task blocked in
`PubSub.listen()` and then closing the pub/sub can hang (redis-py asyncio), which left
subscriptions that never completed and held a connection and a task each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

logger = logging.getLogger("billing.events")

#: Channel of a run's events: this prefix and the run id.
CHANNEL_PREFIX = "billing:run:"
#: The name of these connections in Redis' CLIENT LIST (publishers and listeners alike).
CLIENT_NAME = "billing-run-events"
#: Seconds subscribing may take before the listener does without events (Redis unreachable).
SUBSCRIBE_TIMEOUT = 5.0


class RedisChanges:
    """A run's changes read from its pub/sub channel; without Redis, only timeouts."""

    def __init__(self, pubsub: PubSub, run_id: int, *, connected: bool) -> None:
        self.pubsub = pubsub
        self.run_id = run_id
        self.connected = connected

    async def wait(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            if not self.connected:
                await asyncio.sleep(left)  # the subscriber re-reads the run when this returns
                return
            try:
                if await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=left):
                    return
            except Exception:  # Redis gone: the subscriber falls back to periodic re-reads
                logger.warning("lost the event stream of run %s", self.run_id, exc_info=True)
                self.connected = False

    async def drain(self) -> None:
        while self.connected:
            try:
                if not await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0):
                    return
            except Exception:
                logger.warning("lost the event stream of run %s", self.run_id, exc_info=True)
                self.connected = False


class RedisRunEvents:
    """Events over Redis pub/sub: a worker publishes, every server replica's subscribers hear."""

    def __init__(self, url: str) -> None:
        self._redis = aioredis.Redis.from_url(url, client_name=CLIENT_NAME)

    async def publish(self, run_id: int) -> None:
        try:
            await self._redis.publish(f"{CHANNEL_PREFIX}{run_id}", b"1")
        except Exception:  # an event lost is repaired by the subscriber's periodic re-read
            logger.warning("could not publish the event of run %s", run_id, exc_info=True)

    @contextlib.asynccontextmanager
    async def listen(self, run_id: int) -> AsyncIterator[RedisChanges]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            connected = True
            try:
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                    await pubsub.subscribe(f"{CHANNEL_PREFIX}{run_id}")
            except Exception:  # Redis unreachable: the subscriber re-reads periodically
                logger.warning("could not listen to run %s", run_id, exc_info=True)
                connected = False
            yield RedisChanges(pubsub, run_id, connected=connected)
        finally:
            # Nothing reads the connection now (no task): closing it cannot wait on a reader.
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._redis.aclose()
