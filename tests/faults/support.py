"""Helpers of the fault tests: a private redis-server, tagged processes, bounded waits."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from domain.models import BillingRun
from tests import services
from tests.client import GraphQLClient
from tests.servers import OUTPUT, BillingProcesses, free_port

T = TypeVar("T")

#: Seconds any single wait of a fault test may take before it fails.
WAIT_LIMIT = 120.0


def faults_redis_url() -> str:
    explicit = os.environ.get("BILLING_FAULTS_REDIS_URL")
    if explicit:
        return explicit
    return services.REDIS_URL.rsplit("/", 1)[0] + "/9"


class OwnRedis:
    """A redis-server of the test's own on a free loopback port, without persistence.

    Fault tests never stop, flush or share the machine's Redis: a test that stops Redis
    stops this one, and concurrent test sessions cannot consume each other's messages.
    """

    def __init__(self, tag: str) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tag = tag
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        OUTPUT.mkdir(exist_ok=True)
        self.starts += 1
        with (OUTPUT / f"{self.tag}-redis-{self.starts}.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except redis.RedisError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server on {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


REDIS_SERVER = shutil.which("redis-server") or ""


class FaultProcesses(BillingProcesses):
    """BillingProcesses whose logs carry the session's tag: test-output/<tag>-<name>.log."""

    def __init__(self, *, tag: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tag = tag
        self.clients: list[GraphQLClient] = []

    def client(self, base: str, token: str) -> GraphQLClient:
        """A GraphQL client of one user against a served process, closed with the test."""
        made = GraphQLClient.at(base, token)
        self.clients.append(made)
        return made

    async def close_clients(self) -> None:
        for made in self.clients:
            await made.aclose()
        self.clients.clear()

    def _tagged(self, name: str) -> str:
        return name if name.startswith(self.tag) else f"{self.tag}-{name}"

    def start(
        self, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        return super().start(self._tagged(name), *args, env=env)

    def log_tail(self, name: str, lines: int = 40) -> str:
        return super().log_tail(self._tagged(name), lines)

    def __enter__(self) -> FaultProcesses:
        return self

    def log(self, name: str) -> str:
        path = OUTPUT / f"{self._tagged(name)}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def with_app_name(url: str, name: str) -> str:
    """The database URL with an application_name, to find a process's backends."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


async def wait_for(
    what: str,
    check: Callable[[], Awaitable[T | None]],
    *,
    limit: float = WAIT_LIMIT,
    interval: float = 0.2,
) -> T:
    """Poll `check` until it returns a truthy value; fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        async with asyncio.timeout(limit):
            value = await check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {limit}s waiting for {what}")
        await asyncio.sleep(interval)


async def run_state(run_id: int) -> BillingRun:
    return await BillingRun.get(pk=run_id)
