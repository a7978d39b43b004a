"""The benchmark at CI size, so that it never rots: `make bench`'s own command on a few
thousand students, priced, with every part (PostgreSQL run, floor, naive sample, SQLite,
API load). It asserts that each part ran and reported, never how fast."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import services

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_end_to_end_at_ci_size() -> None:
    if not (services.postgres_available() and services.redis_available()):
        pytest.skip("the benchmark needs PostgreSQL and Redis")
    env = {
        **os.environ,
        "BILLING_BENCH_DB_NAME": os.environ.get("BILLING_TEST_DB_NAME", "billing_test") + "_bench",
        "BILLING_BENCH_REDIS_URL": os.environ.get(
            "BILLING_E2E_REDIS_URL", "redis://127.0.0.1:6379/12"
        ),
    }
    command = [
        sys.executable,
        "-m",
        "tests.perf.bench",
        *("--students", "2000", "--small", "1000", "--sqlite-students", "1000"),
        *("--repeats", "1", "--naive-sample", "100", "--load-requests", "10", "--pricing"),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=480, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for size in ("pg_priced_1000", "pg_priced_2000"):
        row = results[size]
        assert {"preview_s", "run_s", "floor_s", "run_over_floor", "max_update_gap_s"} <= set(row)
        assert row["run_s"] > 0 and row["floor_s"] > 0
    assert results["pg_priced_2000"]["naive_over_run"] > 0
    assert results["sqlite_1000"]["run_over_floor"] > 0
    assert {"trivial", "billing_runs", "invoice_page"} <= set(results["load"])
    assert results["server_peak_rss_mb"] > 0 and results["worker_peak_rss_mb"] > 0


def test_the_documents_benchmark_runs_end_to_end_at_ci_size() -> None:
    if not services.postgres_available():
        pytest.skip("the benchmark needs PostgreSQL")
    env = {
        **os.environ,
        "BILLING_BENCH_DB_NAME": os.environ.get("BILLING_TEST_DB_NAME", "billing_test") + "_bench",
    }
    command = [sys.executable, "-m", "tests.perf.documents_bench", "--invoices", "60"]
    command += ["--repeats", "1"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    counts = dict(re.findall(r"^(invoices|pages) +(\d+)$", done.stdout, re.M))
    assert counts["invoices"] == counts["pages"] and int(counts["pages"]) > 0, done.stdout
    assert re.search(r"^server peak memory +\d+ MB$", done.stdout, re.M), done.stdout
