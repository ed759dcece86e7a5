"""``b2 ARGS...`` with limits out of the way, or the raw Dramatiq baseline worker.

``python benchmarks/bench_support/launch.py serve|worker|migrate ...`` runs b2's own CLI after
raising the default plan limits (tenant burst rules and daily/monthly quotas) so high that a
benchmark's thousands of messages all take the full path (model, reply, send) instead of being
answered with the fallback after the first 20. Everything else is the product as shipped. The
per-customer rule (10 a minute) is untouched: the benchmarks use one customer per message.

``python benchmarks/bench_support/launch.py bare-http PORT BODY_FILE`` serves the HTTP
benchmark's baseline: a bare Litestar app answering the same JSON as b2, on uvicorn.

``python benchmarks/bench_support/launch.py noop-worker REDIS_URL NAMESPACE THREADS`` runs a
Dramatiq worker whose only actor records when it ran: the baseline queue of the pipeline
benchmark (same broker class, same Redis, same thread count).
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta
from typing import Any

NOOP_QUEUE = "bench"
NOOP_ACTOR = "bench_noop"


def _raise_plan_limits() -> None:
    # Import order matters: PlanPolicy reads DEFAULT_BURST when its class is defined.
    from b2core.ai import limits

    limits.DEFAULT_BURST = (limits.RateRule("bench-minute", 10**9, timedelta(minutes=1)),)
    from b2core.ai import plans, quotas

    plans.DEFAULT_LIMITS = {
        plan: quotas.QuotaLimits(daily=10**9, monthly=10**9) for plan in plans.DEFAULT_LIMITS
    }


def declare_noop(broker: Any, redis_url: str, namespace: str) -> Any:
    """The baseline actor: write the time it ran under ``{namespace}:done`` and nothing else."""
    import dramatiq
    import redis

    client = redis.Redis.from_url(redis_url)

    def bench_noop(n: int) -> None:
        client.hset(f"{namespace}:done", str(n), repr(time.time()))

    declare = dramatiq.actor(actor_name=NOOP_ACTOR, queue_name=NOOP_QUEUE, broker=broker)
    return declare(bench_noop)


def _noop_worker(redis_url: str, namespace: str, threads: int) -> int:
    import signal

    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
    declare_noop(broker, redis_url, namespace)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    while not stop.wait(0.2):
        pass
    worker.stop(timeout=10_000)
    broker.close()
    return 0


def _bare_server(port: int, body_file: str) -> int:
    """The HTTP baseline: a bare Litestar app on uvicorn, as ``b2 serve`` runs uvicorn."""
    import json
    from pathlib import Path

    import uvicorn
    from litestar import Litestar, get, post

    listed = json.loads(Path(body_file).read_text())

    @get("/api/v1/services", sync_to_thread=False)
    def services() -> object:
        return listed

    @post("/api/v1/webhooks/whatsapp/{channel_id:str}", status_code=200, sync_to_thread=False)
    def webhook(channel_id: str) -> dict[str, int]:
        return {"messages": 1, "statuses": 0}

    @get("/health", sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app = Litestar([services, webhook, health])
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    return 0


def main(argv: list[str]) -> int:
    """Dispatch to a baseline (worker or bare HTTP server) or to b2's CLI."""
    if argv and argv[0] == "noop-worker":
        return _noop_worker(argv[1], argv[2], int(argv[3]))
    if argv and argv[0] == "bare-http":
        return _bare_server(int(argv[1]), argv[2])
    _raise_plan_limits()
    from b2app import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
