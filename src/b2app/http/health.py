"""Operations routes outside the API: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from b2app import readiness
from b2app.http import deps, metrics

OPERATIONS_TAG = "operations"


@get("/health", sync_to_thread=False, tags=[OPERATIONS_TAG])
def health() -> dict[str, str]:
    """Liveness: the process answers. No dependency is checked."""
    return {"status": "ok"}


@get("/ready", tags=[OPERATIONS_TAG])
async def ready(state: State) -> Response[dict[str, Any]]:
    """Readiness: 200 when every dependency check passes, else 503 naming the failing ones."""
    found = deps.resolve_optional(deps.container_of(state), readiness.Readiness)
    probes: readiness.Readiness = found if found is not None else readiness.Readiness()
    checks = await probes.run()
    if all(result == "ok" for result in checks.values()):
        return Response({"status": "ready", "checks": checks}, status_code=200)
    return Response({"status": "unavailable", "checks": checks}, status_code=503)


@get("/metrics", sync_to_thread=False, tags=[OPERATIONS_TAG])
def prometheus_metrics() -> Response[bytes]:
    """Prometheus text exposition of this process's metrics."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


HANDLERS = [health, ready, prometheus_metrics]
