"""The notices' rate per channel is one rate for every worker when they share Redis; the
embedded mode keeps it in its one process. Real Redis (the test database)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from adapters import throttle_for
from adapters.redis_throttle import KEY_PREFIX, RedisThrottle
from domain.models.notifications import DeliveryChannel
from domain.send_rate import Throttle
from domain.settings import Settings
from tests import services

SMS, EMAIL = DeliveryChannel.SMS, DeliveryChannel.EMAIL
RATES = {SMS: 50.0, EMAIL: 50.0}
INTERVAL_US = 20_000  # 50 a second


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    if not services.redis_available():
        pytest.skip("Redis is not reachable (set BILLING_REQUIRE_SERVICES=1 to fail instead)")
    client = aioredis.Redis.from_url(services.REDIS_URL)
    keys = [KEY_PREFIX + c.value for c in DeliveryChannel]
    await client.delete(*keys)
    try:
        yield services.REDIS_URL
    finally:
        await client.delete(*keys)
        await client.aclose()


async def test_two_workers_share_one_rate_per_channel(redis_url: str) -> None:
    # given two workers' throttles on the same Redis, 50 SMS a second
    first, second = RedisThrottle(redis_url, RATES), RedisThrottle(redis_url, RATES)
    try:
        # when both ask for 15 SMS slots at once
        asked = [w.reserve(SMS) for _ in range(15) for w in (first, second)]
        slots = sorted(wait + now for wait, now in await asyncio.gather(*asked))
        # then no two of the 30 slots are closer than one interval: one rate between them
        gaps = [b - a for a, b in itertools.pairwise(slots)]
        assert len(slots) == 30
        assert min(gaps) >= INTERVAL_US, gaps
        # and the e-mail channel has its own rate: its first slot waits for no SMS
        wait, _ = await first.reserve(EMAIL)
        assert wait == 0
    finally:
        await first.close()
        await second.close()


async def test_a_throttle_waits_its_turn_and_unlimited_channels_never_wait(
    redis_url: str,
) -> None:
    throttle = RedisThrottle(redis_url, {SMS: 50.0, EMAIL: 0.0})
    try:
        for _ in range(3):
            await throttle(SMS)  # sleeps until each slot
        wait, _ = await throttle.reserve(SMS)
        assert wait > 0  # the next SMS must wait: the slots taken are still ahead
        client = aioredis.Redis.from_url(redis_url)
        await throttle(EMAIL)  # unlimited: no slot is reserved
        assert await client.get(KEY_PREFIX + EMAIL.value) is None
        assert 0 < await client.pttl(KEY_PREFIX + SMS.value) <= 2_000  # the key does not linger
        await client.aclose()
    finally:
        await throttle.close()


async def test_without_redis_a_worker_keeps_the_rate_alone() -> None:
    throttle = RedisThrottle("redis://127.0.0.1:1/0", RATES)
    try:
        await throttle(SMS)  # refused connection: logged, and the local rate applies
        assert throttle._alone._next[SMS] > 0
    finally:
        await throttle.close()


async def test_the_mode_chooses_the_throttle() -> None:
    assert isinstance(throttle_for(Settings(redis_url=None)), Throttle)
    shared = throttle_for(Settings(redis_url=services.REDIS_URL, notify_sms_per_second=2.5))
    assert isinstance(shared, RedisThrottle)
    assert shared.per_second[SMS] == 2.5
    await shared.close()
