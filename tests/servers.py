"""Serving the app for tests: uvicorn in the test's own event loop, or real `billing` processes.

`serve_app` suits API tests that need a real socket (WebSocket) while the `db` fixture owns
the database connections: the server runs as a task on the test loop, so it shares them.
It serves any ASGI app: `create_app(manage_runtime=False)` (no queue), `embedded_app(...)`
(the embedded default: in-process queue and workers), or a stand-in such as a collector.
`BillingProcesses` suits end-to-end tests of the production shape: `billing serve` and
`billing worker` as separate processes, with their logs kept under test-output/.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

import httpx
import uvicorn
from starlette.types import ASGIApp

if TYPE_CHECKING:
    import pytest

#: Where the processes' logs go (kept after the run; CI shows them on failure).
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"

#: Seconds a server may take to start (in-process) or to answer /healthz (a process).
START_LIMIT_SECONDS = 30.0

#: Seconds a process is given to stop on SIGTERM before it is killed.
STOP_LIMIT_SECONDS = 15.0


def free_port() -> int:
    """A loopback port that was free a moment ago (for a process that binds it itself)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve_app(app: ASGIApp) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port of this loop; yield its base URL."""
    # Bind the socket here and hand it over: no window in which another test takes the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(START_LIMIT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises the reason it did not start
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            async with asyncio.timeout(STOP_LIMIT_SECONDS):
                await task
        except TimeoutError:
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sock.close()


def embedded_app(monkeypatch: pytest.MonkeyPatch, *, chunk_size: int = 7) -> ASGIApp:
    """The billing app as the embedded default runs it (no Redis: in-process queue and worker
    threads), chunks of `chunk_size`; the test's `db` fixture keeps the database connections."""
    from api.app import create_app
    from domain.settings import get_settings

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(get_settings(), "redis_url", None)
    monkeypatch.setattr(get_settings(), "billing_chunk_size", chunk_size)
    return create_app(manage_db=False)


def ws_url(base: str, path: str = "/graphql") -> str:
    """The WebSocket URL of a path on an http:// base URL."""
    return base.replace("http://", "ws://", 1) + path


def _billing_command() -> list[str]:
    script = Path(sys.executable).with_name("billing")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "api.cli"]


class BillingProcesses:
    """Real `billing serve` / `billing worker` processes, all ended on close.

    Each process's stdout and stderr go to test-output/<name>.log. Use as a context
    manager (or call `close`) so that no process outlives the test.
    """

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        # PostgreSQL or Redis is the production shape: the server needs a share-link key.
        self.env = {
            "BILLING_SECRET_KEY": "test-only-share-link-key",
            **os.environ,
            "DATABASE_URL": database_url,
            **(env or {}),
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        else:
            self.env.pop("REDIS_URL", None)
        self.procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(
        self, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `billing ARGS...` with its log in test-output/NAME.log."""
        OUTPUT.mkdir(exist_ok=True)
        log = (OUTPUT / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [*_billing_command(), *args],
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append((name, proc, log))
        return proc

    def serve(self, name: str = "serve", *args: str, port: int | None = None) -> str:
        """Start `billing serve ARGS...` on a free loopback port; its base URL once /healthz
        answers."""
        port = port or free_port()
        proc = self.start(name, "serve", *args, env={"HOST": "127.0.0.1", "PORT": str(port)})
        base = f"http://127.0.0.1:{port}"
        self.wait_until(base, "/healthz", proc=proc, name=name)
        return base

    def worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        """Start `billing worker` (it needs a redis_url)."""
        if "REDIS_URL" not in self.env:
            raise ValueError("billing worker needs a redis_url")
        return self.start(name, "worker")

    def wait_until(
        self,
        base: str,
        path: str = "/readyz",
        *,
        proc: subprocess.Popen[bytes] | None = None,
        name: str = "serve",
        limit: float = START_LIMIT_SECONDS,
    ) -> None:
        """Wait until GET base+path answers 200; fail early with the log if the process died."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise AssertionError(
                    f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}"
                )
            try:
                if httpx.get(base + path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{base}{path} did not answer 200 in {limit}s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = OUTPUT / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
        """End one process: SIGTERM (or SIGKILL, to test a crash), then wait."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_LIMIT_SECONDS)

    def close(self) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc, log in self.procs:
            self.stop(proc)
            log.close()
        self.procs.clear()

    def __enter__(self) -> BillingProcesses:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
