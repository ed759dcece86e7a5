"""Every benchmark script runs to the end at a tiny size and cleans up after itself.

No figure is checked (benchmarks never assert timings): only that each script starts its
processes, measures, prints its result lines with the baseline ratio, and removes its database
and Redis keys. Needs the real PostgreSQL and Redis, like the scripts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def run(script: str, *flags: str, seconds: str = "0.05") -> str:
    """Run ``benchmarks/<script>`` with ``flags``; fail with its output unless it exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("B2_")}
    env["B2_BENCH_SECONDS"] = seconds
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def test_governance_benchmark_runs(redis_url: str) -> None:
    out = run("governance.py")
    assert "ratio adapter/raw:" in out
    assert "cleaned up" in out


def test_limiter_benchmark_runs(redis_url: str) -> None:
    out = run("limiter.py")
    assert out.count("ratio b2 / limits:") == 2  # both profiles
    assert "cleaned up" in out


def test_pipeline_benchmark_runs_embedded() -> None:
    out = run("pipeline.py", "--messages", "6", "--warmup", "2", "--setups", "embedded")
    assert "embedded (sqlite, stub)" in out
    assert "accepted->recorded p50" in out


def test_pipeline_benchmark_runs_on_postgres_with_its_baseline(
    postgres_url: str, redis_url: str
) -> None:
    out = run("pipeline.py", "--messages", "6", "--warmup", "2", "--setups", "pg1")
    assert "raw dramatiq, 1 worker(s)" in out
    assert "ratio to raw dramatiq" in out
    assert "dropped database b2bench_pipeline1_" in out
    assert out.count("cleaned up") == 2  # the baseline's prefix and the pipeline's


def test_http_benchmark_runs(postgres_url: str, redis_url: str) -> None:
    out = run("http_api.py", "--seconds", "0.3", "--rounds", "1", "--concurrency", "2")
    assert "list     ratio b2/bare:" in out
    assert "webhook  ratio b2/bare:" in out
    assert "dropped database b2bench_http_" in out


def test_memory_benchmark_runs(postgres_url: str, redis_url: str) -> None:
    out = run(
        "memory.py", "--messages", "4", "--concurrency", "2", "--threads", "2", "--settle", "0"
    )
    assert "api     RSS at start" in out
    assert "worker  RSS at start" in out
    assert "dropped database b2bench_memory_" in out
