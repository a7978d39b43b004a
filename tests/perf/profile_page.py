"""Where one server core's time goes for the 100-invoice page (and the trivial query):
cProfile over N in-process requests through the whole ASGI app, grouped by package.

    python -m tests.perf.profile_page [--requests 30] [--top 25]

Runs against the bench database (BILLING_BENCH_DB_NAME, default billing_bench) as
`make bench BENCH_ARGS=--load-only` left it: a school with one billed run. Prints CPU ms
per request and the share of self time by package (graphql-core, strawberry, tortoise, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections import defaultdict
from typing import Any

import httpx

from api.app import create_app
from api.ids import encode_id
from domain import db
from domain.access import issue_token
from domain.models import Invoice, School, User
from tests.perf.bench import DB_NAME
from tests.perf.load import INVOICES, TRIVIAL
from tests.services import PG_ADMIN_URL

GROUPS = (
    "graphql",
    "strawberry",
    "tortoise",
    "pypika",
    "asyncpg",
    "starlette",
    "httpx",
    "httpcore",
    "api",
    "domain",
    "json",
    "asyncio",
)


def _group(filename: str) -> str:
    for name in GROUPS:
        if f"/{name}/" in filename:
            return name
    return "other"


async def _requests(query: str, variables: dict[str, Any], n: int, token: str) -> float:
    app = create_app(manage_runtime=False, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        body = {"query": query, "variables": variables}
        assert "errors" not in (await c.post("/graphql", json=body)).json()  # warm
        started = time.process_time()
        for _ in range(n):
            response = await c.post("/graphql", json=body)
            assert response.status_code == 200 and "errors" not in response.json()
        return (time.process_time() - started) / n


async def main(args: argparse.Namespace) -> None:
    await db.init_db(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME)
    invoice = await Invoice.all().order_by("-id").first()
    assert invoice is not None, "run `make bench BENCH_ARGS=--load-only` first"
    school = await School.get(id=invoice.school_id)
    user = await User.filter(account_id=school.account_id).first()
    assert user is not None
    token = await issue_token(user)
    variables = {"s": encode_id("School", school.id)}
    for name, query, params in (("trivial", TRIVIAL, {}), ("invoice page", INVOICES, variables)):
        cpu = await _requests(query, params, args.requests, token)
        profile = cProfile.Profile()
        profile.enable()
        await _requests(query, params, args.requests, token)
        profile.disable()
        stats = pstats.Stats(profile)
        by_group: dict[str, float] = defaultdict(float)
        total = 0.0
        for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            by_group[_group(filename)] += tottime
            total += tottime
        print(f"\n{name}: {1000 * cpu:.1f} ms CPU per request (without the profiler)")
        for group, seconds in sorted(by_group.items(), key=lambda kv: -kv[1]):
            print(f"  {group:<12}{100 * seconds / total:5.1f} %")
        if args.top:
            stats.sort_stats("tottime").print_stats(args.top)
    await db.close_db()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--top", type=int, default=0)
    asyncio.run(main(parser.parse_args()))
