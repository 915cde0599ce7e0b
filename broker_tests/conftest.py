from __future__ import annotations

from collections.abc import Iterator

import pytest

from broker_tests.brokers import Broker, PostgresBroker, RedisBroker
from broker_tests.rooms import two_rooms

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
def rooms(broker: Broker) -> Iterator[list[str]]:
    """``examples/room.py`` on each of two hosts, one process each, on ``broker``: started once per broker.

    A test that restarts the broker leaves them running, as a deployment would be.
    """
    with two_rooms(broker.url) as addresses:
        yield addresses


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
