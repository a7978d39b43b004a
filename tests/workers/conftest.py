"""Fixtures of the worker tests: the actors on a real Redis broker, consumed by a real dramatiq
Worker whose async actors run on the test's loop (where its database connections live)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import dramatiq
import pytest

from tests import services

#: Seconds a test waits for the worker to have processed the messages it expects.
PROCESS_LIMIT_SECONDS = 30.0


class Processed(dramatiq.Middleware):
    """Counts the messages the worker has finished with (done, failed or skipped)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def after_process_message(self, broker: Any, message: Any, **_: Any) -> None:
        with self.lock:
            self.count += 1

    after_skip_message = after_process_message


class RedisWorker:
    """The broker the actors send to, and a way to wait for the worker."""

    def __init__(self, broker: dramatiq.Broker, processed: Processed) -> None:
        self.broker = broker
        self.processed = processed

    async def until_processed(self, count: int) -> None:
        """Wait until the worker has finished with `count` messages in all (and no more)."""
        async with asyncio.timeout(PROCESS_LIMIT_SECONDS):
            while self.processed.count < count:  # noqa: ASYNC110 - set by the worker's thread
                await asyncio.sleep(0.05)
        assert self.processed.count == count, self.processed.count


@pytest.fixture
async def redis_worker(db: str) -> AsyncIterator[RedisWorker]:
    """The actors installed on a RedisBroker of the test Redis (its database emptied before
    and after), and one dramatiq Worker thread consuming it; all stopped at the end."""
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    import redis
    from dramatiq.brokers.redis import RedisBroker

    from workers.broker import BridgedAsyncIO, LoopBridge, install_broker, placeholder_broker

    client = redis.Redis.from_url(services.REDIS_URL)
    client.flushdb()
    broker = RedisBroker(url=services.REDIS_URL)
    broker.add_middleware(BridgedAsyncIO(LoopBridge(asyncio.get_running_loop())))
    processed = Processed()
    broker.add_middleware(processed)
    install_broker(broker)
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        yield RedisWorker(broker, processed)
    finally:
        # The worker thread may be waiting on this loop: stop it from another thread.
        await asyncio.to_thread(worker.stop, 10_000)
        broker.close()
        install_broker(placeholder_broker())
        client.flushdb()
        client.close()
