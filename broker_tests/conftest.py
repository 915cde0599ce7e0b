from __future__ import annotations

from collections.abc import Iterator

import pytest

from broker_tests.brokers import Broker, PostgresBroker, RedisBroker

BROKERS = {"redis": RedisBroker, "postgres": PostgresBroker}


@pytest.fixture(scope="session", params=sorted(BROKERS))
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    """A running broker, once per kind for the whole run; a test that kills it starts it again."""
    instance = BROKERS[request.param]()
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def redis_broker() -> Iterator[Broker]:
    instance = RedisBroker()
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
