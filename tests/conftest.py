"""Suite-wide fixtures: the async backend, real services and their per-run isolation."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import attack_tally, services


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark every ``async def`` test (Hypothesis-wrapped ones too) for the anyio plugin.

    Marking the function before pytest builds its items (rather than the items afterwards)
    keeps ``parametrize`` and the anyio backend parametrization working together.
    """
    if not (callable(obj) and name.startswith("test")):
        return
    inner = getattr(getattr(obj, "hypothesis", None), "inner_test", None)
    if inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(inner):
        pytest.mark.anyio(obj)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a database created for this run and dropped after it."""
    url = services.create_postgres_database()
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of the real Redis; keys under :func:`redis_prefix` are removed after the run."""
    try:
        services.run_sync(services.check_redis)
    except Exception as exc:
        services.unavailable("Redis", exc)
    yield services.REDIS_URL
    services.run_sync(lambda: services.purge_redis_prefix(services.redis_prefix()))


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    """Key prefix isolating this run from any other user of the same Redis."""
    return services.redis_prefix()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand the token attack tally to the controller."""
    tally = session.config.stash.get(attack_tally.TALLY, None)
    output = getattr(session.config, "workeroutput", None)
    if tally is not None and output is not None:
        output["attack_tally"] = {"tried": tally.tried, "accepted": list(tally.accepted)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the pytest-xdist controller: add a finished worker's tally to the run's."""
    sent = getattr(node, "workeroutput", {}).get("attack_tally")
    if sent is not None:
        tally = node.config.stash.setdefault(attack_tally.TALLY, attack_tally.AttackTally())
        tally.tried += sent["tried"]
        tally.accepted.extend(sent["accepted"])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print the token attack tally when the suite ran."""
    tally = config.stash.get(attack_tally.TALLY, None)
    if tally is None:
        return
    terminalreporter.write_sep("-", "token attack suite")
    terminalreporter.write_line(tally.summary())
    for accepted in tally.accepted:
        terminalreporter.write_line(f"  ACCEPTED: {accepted}")
