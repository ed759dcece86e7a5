"""Prometheus metrics of the HTTP edge, kept in prometheus_client's default registry."""

from __future__ import annotations

import prometheus_client

UNMATCHED_ROUTE = "<unmatched>"

REQUESTS = prometheus_client.Counter(
    "b2_http_requests",
    "HTTP requests served, by method, route template and status.",
    ("method", "route", "status"),
)

LATENCY = prometheus_client.Histogram(
    "b2_http_request_duration_seconds",
    "Time to serve an HTTP request, by method, route template and status.",
    ("method", "route", "status"),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one served request and record how long it took."""
    labels = (method, route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The default registry in the Prometheus text format, with its content type."""
    return prometheus_client.generate_latest(), prometheus_client.CONTENT_TYPE_LATEST
