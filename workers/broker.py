"""The broker: Redis in production, an in-memory one inside the server by default."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq
from dramatiq.asyncio import EventLoopThread
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

logger = logging.getLogger("billing.workers")

QUEUE = "billing"


class LoopBridge(EventLoopThread):
    """Runs async actors on a loop that already exists (the server's), not a new thread's.

    Tortoise connections belong to one event loop; in the embedded default the actors
    must therefore run on the loop that serves the API.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.interrupt_check_ival = 0.1
        self.logger = logger
        self.loop = loop

    def start(self, *, timeout: float | None = None) -> None:
        return None

    def stop(self) -> None:
        return None

    def join(self, timeout: float | None = None) -> None:
        return None


class BridgedAsyncIO(AsyncIO):
    """The AsyncIO middleware, with an event loop thread provided by the runtime."""

    def __init__(self, loop_thread: EventLoopThread) -> None:
        super().__init__()
        self.loop_thread = loop_thread

    def before_worker_boot(self, broker: Any, worker: Any) -> None:
        from dramatiq.asyncio import set_event_loop_thread

        set_event_loop_thread(self.loop_thread)

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        from dramatiq.asyncio import set_event_loop_thread

        set_event_loop_thread(None)


def placeholder_broker() -> StubBroker:
    """Actors are declared at import against this; the runtime swaps in the real broker."""
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


dramatiq.set_broker(placeholder_broker())


def install_broker(broker: dramatiq.Broker) -> None:
    """Make `broker` the one every actor sends to and is consumed from."""
    from workers import actors

    dramatiq.set_broker(broker)
    for actor in actors.ALL:
        actor.broker = broker
        broker.declare_actor(actor)
