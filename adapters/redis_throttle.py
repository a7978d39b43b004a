"""The send rate per channel shared by every worker over Redis (the domain's SendThrottle).

Each send reserves the channel's next free slot with one atomic script: the slot is the later
of now and the key's value, and the key moves one interval past it. Time is Redis' own
(`TIME`), so workers on machines whose clocks differ still keep one rate between them.
Without Redis at the moment of asking, a sender keeps to the rate by itself (logged).
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis

from domain.models.notifications import DeliveryChannel
from domain.send_rate import Throttle

logger = logging.getLogger("billing.notify")

#: The key of a channel's next free slot (microseconds of Redis' clock): prefix + channel.
KEY_PREFIX = "billing:send-rate:"
CLIENT_NAME = "billing-send-rate"

#: KEYS[1] the channel's key; ARGV[1] the interval in microseconds. Returns
#: {slot - now, now} in microseconds: how long to wait, and Redis' time when asked.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
local interval = tonumber(ARGV[1])
local ttl = math.floor((slot + interval - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', ttl)
return {slot - now, now}
"""


class RedisThrottle:
    """At most `per_second` sends per channel across every process sharing this Redis."""

    def __init__(self, url: str, per_second: dict[DeliveryChannel, float]) -> None:
        self.per_second = per_second
        self._redis = aioredis.Redis.from_url(url, client_name=CLIENT_NAME)
        self._reserve = self._redis.register_script(RESERVE)
        self._alone = Throttle(per_second)

    async def reserve(self, channel: DeliveryChannel) -> tuple[int, int]:
        """(microseconds to wait, Redis' time in microseconds) for one send on `channel`."""
        interval = round(1_000_000 / self.per_second[channel])
        wait, now = await self._reserve(keys=[KEY_PREFIX + channel.value], args=[interval])
        return int(wait), int(now)

    async def __call__(self, channel: DeliveryChannel) -> None:
        if self.per_second.get(channel, 0.0) <= 0:
            return
        try:
            wait, _ = await self.reserve(channel)
        except aioredis.RedisError:
            logger.warning("send rate: Redis unreachable, keeping the rate alone", exc_info=True)
            await self._alone(channel)
            return
        if wait > 0:
            await asyncio.sleep(wait / 1_000_000)

    async def close(self) -> None:
        await self._redis.aclose()
