"""Starting and stopping the queue, the workers, the run events and the sweeper.

Two ways to run, one code path: with REDIS_URL the server only enqueues and `billing
worker` processes consume; without it the server runs worker threads whose async actors
execute on the server's own event loop (where its database connections live).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from typing import Any

import dramatiq
from dramatiq.asyncio import EventLoopThread
from dramatiq.brokers.stub import StubBroker

from domain import db
from domain.events import LocalRunEvents, RedisRunEvents, RunEvents, set_run_events
from domain.settings import Settings
from observability.tracing import configure_tracing, shutdown_tracing
from workers.broker import BridgedAsyncIO, LoopBridge, install_broker
from workers.metrics import install_worker_metrics, start_worker_metrics_server

logger = logging.getLogger("billing.workers")


#: Requeueing a dead worker's unacknowledged messages is a maintenance task that dramatiq runs
#: on a random fraction of Redis commands: this many out of 1,000,000 (its default is 1,000).
#: One in twenty makes an idle worker run it about once a second, so a killed worker's
#: chunks return soon after its heartbeat expires; the task is a few cheap Redis calls.
MAINTENANCE_CHANCE = 50_000


def redis_broker(settings: Settings) -> dramatiq.Broker:
    from dramatiq.brokers.redis import RedisBroker

    assert settings.redis_url
    return RedisBroker(
        url=settings.redis_url,
        heartbeat_timeout=int(settings.billing_heartbeat_timeout_seconds * 1000),
        maintenance_chance=MAINTENANCE_CHANCE,
    )


class Runtime:
    """The queue side of one process: broker, optional worker threads, events, sweeper."""

    def __init__(
        self,
        settings: Settings,
        *,
        broker: dramatiq.Broker,
        events: RunEvents,
        run_workers: bool,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.events = events
        self.run_workers = run_workers
        self.worker: dramatiq.Worker | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    def for_server(cls, settings: Settings, *, run_workers: bool | None = None) -> Runtime:
        if settings.redis_url:
            return cls(
                settings,
                broker=redis_broker(settings),
                events=RedisRunEvents(settings.redis_url),
                run_workers=bool(run_workers),
            )
        return cls(
            settings,
            broker=StubBroker(),
            events=LocalRunEvents(),
            run_workers=True if run_workers is None else run_workers,
        )

    async def start(self) -> None:
        set_run_events(self.events)
        if self.run_workers:
            bridge = LoopBridge(asyncio.get_running_loop())
            self.broker.add_middleware(BridgedAsyncIO(bridge))
            install_worker_metrics(self.broker)
        install_broker(self.broker)
        if isinstance(self.broker, StubBroker):
            self.broker.emit_after("process_boot")
        if self.run_workers:
            self.worker = dramatiq.Worker(
                self.broker, worker_threads=self.settings.billing_worker_threads, worker_timeout=100
            )
            self.worker.start()
            self._sweeper = asyncio.create_task(sweep_forever(self.settings))

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self.worker is not None:
            # Worker threads may be waiting on this loop: stop them from another thread.
            await asyncio.to_thread(self.worker.stop, 10_000)
        self.broker.close()
        await self.events.close()
        set_run_events(LocalRunEvents())

    async def ping(self) -> bool:
        if isinstance(self.events, RedisRunEvents):
            return await self.events.ping()
        return True


async def sweep_forever(settings: Settings) -> None:
    """Send the sweep message every interval (every process may; sweeping claims runs)."""
    from workers.actors import sweep

    while True:
        await asyncio.sleep(settings.billing_sweep_interval_seconds)
        try:
            sweep.send()
        except Exception:
            logger.warning("could not enqueue the sweep", exc_info=True)


def run_worker_process(settings: Settings) -> None:
    """`billing worker`: consume the Redis queue until SIGTERM or SIGINT."""
    if not settings.redis_url:
        raise SystemExit(
            "billing worker needs REDIS_URL (without it, `billing serve` runs workers)."
        )
    configure_tracing("billing-worker")
    loop_thread = EventLoopThread(logger)
    loop_thread.start(timeout=5.0)
    events = RedisRunEvents(settings.redis_url)

    async def boot() -> None:
        await db.init_db(settings.database_url)
        set_run_events(events)

    loop_thread.run_coroutine(boot())
    broker = redis_broker(settings)
    broker.add_middleware(BridgedAsyncIO(loop_thread))
    install_worker_metrics(broker)
    start_worker_metrics_server()
    install_broker(broker)
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(
        broker, worker_threads=settings.billing_worker_threads, worker_timeout=100
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker.start()
    sweeper = asyncio.run_coroutine_threadsafe(sweep_forever(settings), loop_thread.loop)
    logger.info("worker started with %s threads", settings.billing_worker_threads)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sweeper.cancel()
        worker.stop(timeout=10_000)
        broker.close()

        async def shutdown() -> None:
            await events.close()
            await db.close_db()

        with contextlib.suppress(Exception):
            loop_thread.run_coroutine(shutdown())
        loop_thread.stop()
        shutdown_tracing()
