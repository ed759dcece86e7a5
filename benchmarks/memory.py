"""Resident memory of one API process and one worker after 10,000 messages, against their start.

``b2 serve`` and one ``b2 worker`` (PostgreSQL, Redis, Dramatiq's RedisBroker) are started; the
resident set of each (``VmRSS`` in ``/proc/<pid>/status``) is read right after the API answers
``/health`` and the worker has booted: the baseline. Then ``--messages`` customer messages
(default 10,000, one customer each) go through ``POST /channels/simulator/inbound``, the
pipeline and the reply's send, and the resident sets are read again once every reply is
recorded (after the first half and after all of them), and once more after a pause. The script
prints the readings, the growth in MiB, the slope over the second half (MiB per 1,000 messages:
the first half also pays for warm-up, such as caches and connection pools filling), and the
ratio after / start for each process. A leak per message shows as a slope that stays above
zero however many messages are sent.

Run: ``.venv/bin/python benchmarks/memory.py`` (or ``nox -s bench``); ``--messages N`` to
shrink it, ``--concurrency C`` (default 16), ``--threads T`` (worker threads, default 8). Its
own database and Redis prefix are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time

import bench_support as bench
import pipeline


def _mib(kib: int) -> float:
    return kib / 1024


def main() -> None:
    """Start the processes, read their RSS, play the messages, read it again, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before the last read")
    args = parser.parse_args()
    print(bench.machine())
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        bench.postgres_database("memory") as url,
        bench.redis_prefix() as prefix,
        bench.processes() as group,
    ):
        env = bench.b2_env(
            database_url=url,
            redis_url=bench.REDIS_URL,
            broker_url=bench.REDIS_URL,
            redis_prefix=prefix,
            in_process_worker="false",
        )
        group.migrate(url)
        api = group.start(["serve"], {**env, "B2_PORT": str(port)})
        worker = group.start(["worker", "--threads", str(args.threads)], env)
        bench.wait_until_up(base, api)
        bench.wait_for_worker(prefix, worker)
        processes = {"api": api.pid, "worker": worker.pid}
        start = {name: bench.rss_kib(pid) for name, pid in processes.items()}
        headers = bench.tenant_admin(base)
        started = time.perf_counter()
        half = args.messages // 2
        readings = []
        for part, size in enumerate((half, args.messages - half)):
            tag = f"mem{secrets.token_hex(3)}p{part}"
            asyncio.run(pipeline._send_all(base, headers, tag, size, args.concurrency))
            asyncio.run(pipeline._replies(url, tag, size, max(120.0, size / 5)))
            readings.append({name: bench.rss_kib(pid) for name, pid in processes.items()})
        elapsed = time.perf_counter() - started
        middle, after = readings
        time.sleep(args.settle)
        settled = {name: bench.rss_kib(pid) for name, pid in processes.items()}
    print(f"{args.messages} messages answered in {elapsed:.1f} s ({args.messages / elapsed:.1f}/s)")
    for name in processes:
        growth = after[name] - start[name]
        slope = _mib(after[name] - middle[name]) / max(1, args.messages - half) * 1000
        print(
            f"{name:<7} RSS at start {_mib(start[name]):7.1f} MiB, after {half} messages "
            f"{_mib(middle[name]):7.1f} MiB, after {args.messages} {_mib(after[name]):7.1f} MiB "
            f"({args.settle:g} s later {_mib(settled[name]):7.1f} MiB): "
            f"+{_mib(growth):.1f} MiB in all, "
            f"{slope:+.2f} MiB per 1,000 messages over the second half; ratio after/start "
            f"{after[name] / start[name]:.2f}"
        )


if __name__ == "__main__":
    main()
