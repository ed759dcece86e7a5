"""build_broker: which broker a URL gives, the retry policy, and the readiness probe."""

from __future__ import annotations

import pytest
from dramatiq import middleware as dm
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import broker as dramatiq_broker
from b2adapters.dramatiq import failures, loops
from b2core.shared import errors


def test_no_url_gives_an_in_process_stub_broker() -> None:
    broker = dramatiq_broker.build_broker(None, namespace="b2:dramatiq")
    assert isinstance(broker, StubBroker)


def test_a_redis_url_gives_a_redis_broker_in_the_namespace() -> None:
    broker = dramatiq_broker.build_broker("redis://127.0.0.1:6379/0", namespace="b2:x:dramatiq")
    try:
        assert isinstance(broker, RedisBroker)
        assert broker.namespace == "b2:x:dramatiq"
    finally:
        dramatiq_broker.close_broker(broker)


@pytest.mark.parametrize("url", ["amqp://guest@127.0.0.1/", "sqs://queue", "127.0.0.1:6379"])
def test_any_other_url_is_refused(url: str) -> None:
    with pytest.raises(errors.InvalidInput) as error:
        dramatiq_broker.build_broker(url, namespace="b2:dramatiq")
    assert error.value.code == "settings.bad_broker_url"


def test_middleware_retries_three_times_in_total_with_bounded_backoff() -> None:
    broker = dramatiq_broker.build_broker(
        None, namespace="n", min_backoff_ms=250, max_backoff_ms=9000
    )
    kinds = [type(m) for m in broker.middleware]
    [retries] = [m for m in broker.middleware if isinstance(m, dm.Retries)]

    assert (retries.max_retries, retries.min_backoff, retries.max_backoff) == (2, 250, 9000)
    # FailureNotes must follow Retries: "after" hooks run in reverse order.
    assert kinds.index(failures.FailureNotes) > kinds.index(dm.Retries)
    assert loops.LoopSharingAsyncIO in kinds
    assert {dm.TimeLimit, dm.ShutdownNotifications, dm.Callbacks, dm.Pipelines} <= set(kinds)


def test_backoff_bounds_must_be_ordered() -> None:
    with pytest.raises(errors.InvalidInput):
        dramatiq_broker.build_broker(None, namespace="n", min_backoff_ms=10, max_backoff_ms=5)


async def test_stub_broker_is_always_ready() -> None:
    await dramatiq_broker.broker_ready(dramatiq_broker.build_broker(None, namespace="n"))


async def test_redis_broker_is_ready_when_redis_answers(redis_url: str, redis_prefix: str) -> None:
    broker = dramatiq_broker.build_broker(redis_url, namespace=f"{redis_prefix}ready")
    try:
        await dramatiq_broker.broker_ready(broker)
    finally:
        dramatiq_broker.close_broker(broker)


async def test_redis_broker_is_unavailable_when_nothing_listens() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    broker = dramatiq_broker.build_broker("redis://127.0.0.1:1/0", namespace="n")
    try:
        with pytest.raises(errors.Unavailable) as error:
            await dramatiq_broker.broker_ready(broker)
        assert error.value.code == "broker.unavailable"
    finally:
        dramatiq_broker.close_broker(broker)


def test_describe_keeps_type_and_text_and_bounds_the_length() -> None:
    assert failures.describe(ValueError("bad input")) == "ValueError: bad input"
    assert failures.describe(KeyError()) == "KeyError"
    assert len(failures.describe(RuntimeError("x" * 5000))) == failures.MAX_ERROR_LENGTH
