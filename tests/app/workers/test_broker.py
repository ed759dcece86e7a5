"""configure(settings): one broker per process, set globally, actors declared on it."""

from __future__ import annotations

import attrs
import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from b2app import settings
from b2app.workers import actors, middleware
from b2app.workers import broker as worker_broker
from b2core.shared import errors


def test_configure_sets_the_global_broker_and_declares_the_actors_on_it() -> None:
    broker = worker_broker.configure(settings.Settings(redis_prefix="t1:"))

    assert isinstance(broker, StubBroker)
    assert dramatiq.get_broker() is broker
    assert broker.get_actor(actors.PING).queue_name == actors.PLATFORM_QUEUE
    assert any(isinstance(m, middleware.ContainerMiddleware) for m in broker.middleware)


def test_configure_returns_the_same_broker_for_the_same_broker_settings() -> None:
    config = settings.Settings(redis_prefix="t2:")
    first = worker_broker.configure(config)

    assert worker_broker.configure(attrs.evolve(config, port=9999)) is first
    other = worker_broker.configure(attrs.evolve(config, redis_prefix="t3:"))
    assert other is not first
    assert dramatiq.get_broker() is other


def test_a_redis_broker_lives_under_the_redis_prefix(redis_url: str, redis_prefix: str) -> None:
    config = settings.Settings(broker_url=redis_url, redis_prefix=f"{redis_prefix}cfg:")

    broker = worker_broker.configure(config)

    assert isinstance(broker, RedisBroker)
    assert broker.namespace == f"{redis_prefix}cfg:dramatiq"
    assert worker_broker.namespace(config) == broker.namespace


def test_an_unusable_broker_url_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as error:
        worker_broker.configure(settings.Settings(broker_url="amqp://127.0.0.1/"))
    assert error.value.code == "settings.bad_broker_url"
