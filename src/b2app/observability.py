"""Business metrics for Prometheus: pipeline outcomes and latency, AI blocks, sends, queue depth.

Kept out of b2core: the composition root (``b2app.wiring_tracing``) wraps the message bus and
adapters and calls :func:`record_pipeline` and :func:`record_send` with what they returned.
Queue depth is read from the broker when ``/metrics`` is scraped, never cached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import prometheus_client
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from b2core.pipeline.results import Result

log = logging.getLogger(__name__)

UNKNOWN_KIND = "unknown"
DELAYED_SUFFIX = ".DQ"
DEAD_SUFFIX = ".XQ"

PIPELINE_MESSAGES = prometheus_client.Counter(
    "b2_pipeline_messages",
    "Inbound customer messages through the AI pipeline, by outcome.",
    ("outcome",),
)
PIPELINE_LATENCY = prometheus_client.Histogram(
    "b2_pipeline_duration_seconds",
    "Time from a worker taking an inbound message to the pipeline's decision, by outcome.",
    ("outcome",),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
AI_BLOCKS = prometheus_client.Counter(
    "b2_ai_blocks",
    "Inbound messages the AI did not answer, by block reason.",
    ("reason",),
)
SENDS = prometheus_client.Counter(
    "b2_sends",
    "Outbound send attempts, by channel kind and outcome (sent, failed, deferred, error, skipped).",
    ("channel_kind", "outcome"),
)
LLM_CALLS = prometheus_client.Counter(
    "b2_llm_calls",
    "Calls to the language model, by outcome (ok, error).",
    ("outcome",),
)
LLM_LATENCY = prometheus_client.Histogram(
    "b2_llm_duration_seconds",
    "Time the language model took to answer.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def record_pipeline(outcome: str, seconds: float, result: Result | None = None) -> None:
    """Count one pipeline run, its latency and (when blocked) the block reason."""
    PIPELINE_MESSAGES.labels(outcome).inc()
    PIPELINE_LATENCY.labels(outcome).observe(seconds)
    if result is not None and result.reason is not None:
        AI_BLOCKS.labels(result.reason.value).inc()


def record_send(channel_kind: str | None, outcome: str) -> None:
    """Count one outbound send attempt."""
    SENDS.labels(channel_kind or UNKNOWN_KIND, outcome).inc()


def record_llm(outcome: str, seconds: float) -> None:
    """Count one language model call and how long it took."""
    LLM_CALLS.labels(outcome).inc()
    LLM_LATENCY.observe(seconds)


def queue_depths(broker: Any) -> Iterator[tuple[str, str, int]]:
    """``(queue, state, depth)`` for every declared queue: state ``ready`` or ``delayed``.

    Dead-letter queues are left out (``/admin/dead-letters`` lists them). Works on dramatiq's
    StubBroker (in-process queues) and RedisBroker (one list per queue, read with LLEN).
    """
    names = sorted(broker.get_declared_queues() | set(getattr(broker, "delay_queues", ())))
    client = getattr(broker, "client", None)
    for name in names:
        if name.endswith(DEAD_SUFFIX):
            continue
        delayed = name.endswith(DELAYED_SUFFIX)
        base = name[: -len(DELAYED_SUFFIX)] if delayed else name
        if client is not None:
            depth = int(client.llen(f"{broker.namespace}:{name}"))
        else:
            depth = int(broker.queues[name].qsize())
        yield base, "delayed" if delayed else "ready", depth


class QueueDepthCollector(Collector):
    """The ``b2_queue_depth`` gauge, read from the watched broker at each scrape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._broker: Any = None

    def watch(self, broker: Any) -> None:
        """Report the queues of ``broker`` from now on (the process's configured broker)."""
        with self._lock:
            self._broker = broker

    def collect(self) -> Iterable[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "b2_queue_depth",
            "Jobs waiting in each task queue (ready or delayed), read at scrape time.",
            labels=("queue", "state"),
        )
        with self._lock:
            broker = self._broker
        if broker is not None:
            try:
                for queue, state, depth in queue_depths(broker):
                    gauge.add_metric((queue, state), depth)
            except Exception:
                # A broker that cannot answer must not take /metrics down with it.
                log.warning("queue depth unavailable", exc_info=True)
        yield gauge


QUEUE_DEPTH = QueueDepthCollector()
prometheus_client.REGISTRY.register(QUEUE_DEPTH)
