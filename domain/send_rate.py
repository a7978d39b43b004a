"""How fast notices go out: a configured rate per channel (NOTIFY_EMAIL_PER_SECOND,
NOTIFY_SMS_PER_SECOND), kept by every sender of a process, or of every process when shared.

The domain asks for its turn on a channel (`SendThrottle`); the process installs which
throttle answers: this module's `Throttle` (one process: the embedded mode) or one over Redis
(adapters/redis_throttle.py: every worker shares the rate, however many run).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from domain.models.notifications import DeliveryChannel
from domain.settings import Settings, get_settings


class SendThrottle(Protocol):
    """Waits until the caller may send one more notice on a channel."""

    async def __call__(self, channel: DeliveryChannel) -> None: ...


def rates_of(settings: Settings) -> dict[DeliveryChannel, float]:
    """Sends per second per channel, as configured (0: unlimited)."""
    return {
        DeliveryChannel.EMAIL: settings.notify_email_per_second,
        DeliveryChannel.SMS: settings.notify_sms_per_second,
    }


@dataclass
class Throttle:
    """At most `per_second` sends per channel from this process (0: unlimited)."""

    per_second: dict[DeliveryChannel, float]
    clock: Callable[[], float] = time.monotonic
    _next: dict[DeliveryChannel, float] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Throttle:
        return cls(rates_of(settings or get_settings()))

    async def __call__(self, channel: DeliveryChannel) -> None:
        rate = self.per_second.get(channel, 0.0)
        if rate <= 0:
            return
        now = self.clock()
        at = max(now, self._next.get(channel, now))
        self._next[channel] = at + 1.0 / rate
        if at > now:
            await asyncio.sleep(at - now)


_installed: SendThrottle | None = None


def set_send_throttle(throttle: SendThrottle | None) -> None:
    """Install the process's throttle (adapters.Adapters.install does, at start-up)."""
    global _installed
    _installed = throttle


def send_throttle() -> SendThrottle:
    """The installed throttle; else one for this call alone, at the configured rates."""
    return _installed if _installed is not None else Throttle.from_settings()
