"""Starting and stopping the queue, the workers, the adapters and the sweeper.

Two ways to run, one code path: with REDIS_URL the server only enqueues and `billing
worker` processes consume; without it the server runs worker threads whose async actors
execute on the server's own event loop (where its database connections live). Either way
the workers are booted by `boot_worker`, and the adapters (run events, e-mail, SMS) are
the ones `adapters.chosen` picks from the settings.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.asyncio import EventLoopThread
from dramatiq.brokers.stub import StubBroker

import adapters
from domain import db
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

#: Milliseconds the worker threads get to finish their current message when stopping.
STOP_TIMEOUT_MS = 10_000


def redis_broker(settings: Settings) -> dramatiq.Broker:
    from dramatiq.brokers.redis import RedisBroker

    assert settings.redis_url
    return RedisBroker(
        url=settings.redis_url,
        heartbeat_timeout=int(settings.billing_heartbeat_timeout_seconds * 1000),
        maintenance_chance=MAINTENANCE_CHANCE,
    )


@dataclass
class BootedWorker:
    """Worker threads consuming a broker, and the sweeper on the actors' loop."""

    worker: dramatiq.Worker
    sweeper: concurrent.futures.Future[None]

    def stop(self) -> None:
        """Stop sweeping and let the threads finish (blocking: call it off the actors' loop)."""
        self.sweeper.cancel()
        self.worker.stop(timeout=STOP_TIMEOUT_MS)


def boot_worker(
    settings: Settings, broker: dramatiq.Broker, loop_thread: EventLoopThread
) -> BootedWorker:
    """Consume `broker` with worker threads whose async actors run on `loop_thread`'s loop."""
    broker.add_middleware(BridgedAsyncIO(loop_thread))
    install_worker_metrics(broker)
    install_broker(broker)
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(
        broker, worker_threads=settings.billing_worker_threads, worker_timeout=100
    )
    worker.start()
    sweeper = asyncio.run_coroutine_threadsafe(sweep_forever(settings), loop_thread.loop)
    return BootedWorker(worker=worker, sweeper=sweeper)


class Runtime:
    """The queue side of the server process: broker, adapters, optional in-process workers."""

    def __init__(
        self,
        settings: Settings,
        *,
        broker: dramatiq.Broker,
        adapters: adapters.Adapters,
        run_workers: bool,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.adapters = adapters
        self.run_workers = run_workers
        self.booted: BootedWorker | None = None

    @classmethod
    def for_server(cls, settings: Settings, *, run_workers: bool | None = None) -> Runtime:
        chosen = adapters.chosen(settings)
        if settings.redis_url:
            return cls(
                settings,
                broker=redis_broker(settings),
                adapters=chosen,
                run_workers=bool(run_workers),
            )
        return cls(
            settings,
            broker=StubBroker(),
            adapters=chosen,
            run_workers=True if run_workers is None else run_workers,
        )

    async def start(self) -> None:
        self.adapters.install()
        if self.run_workers:
            loop = LoopBridge(asyncio.get_running_loop())
            self.booted = boot_worker(self.settings, self.broker, loop)
            return
        install_broker(self.broker)
        if isinstance(self.broker, StubBroker):
            self.broker.emit_after("process_boot")

    async def stop(self) -> None:
        if self.booted is not None:
            # Worker threads may be waiting on this loop: stop them from another thread.
            await asyncio.to_thread(self.booted.stop)
        self.broker.close()
        await self.adapters.close()

    async def ping(self) -> bool:
        return await self.adapters.events.ping()


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
    chosen = adapters.chosen(settings)

    async def boot() -> None:
        await db.init_db(settings.database_url)
        chosen.install()

    loop_thread.run_coroutine(boot())
    broker = redis_broker(settings)
    start_worker_metrics_server(settings)
    booted = boot_worker(settings, broker, loop_thread)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logger.info("worker started with %s threads", settings.billing_worker_threads)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        booted.stop()
        broker.close()

        async def shutdown() -> None:
            await chosen.close()
            await db.close_db()

        try:
            loop_thread.run_coroutine(shutdown())
        except Exception:
            logger.warning("could not close the connections cleanly", exc_info=True)
        loop_thread.stop()
        shutdown_tracing()
