"""The hub on real brokers, in-process: round trips, one upstream subscription, outages, slow subscribers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from broker_tests.brokers import Broker
from portable_endpoints.broadcast import Broadcast, BrokerUnavailable, MessageTooLarge, SubscriberOverflow, Subscription
from tests.servers import free_port

pytestmark = pytest.mark.anyio


@pytest.fixture
async def hubs(broker: Broker) -> AsyncIterator[tuple[Broadcast, Broadcast]]:
    """Two hubs on one broker: two processes' worth of connections."""
    first, second = Broadcast(broker.url), Broadcast(broker.url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def receive(subscription: Subscription, count: int, within: float = 10) -> list[Any]:
    received = []
    with anyio.fail_after(within):
        async for message in subscription:
            received.append(message)
            if len(received) == count:
                break
    return received


async def wait_until(condition: Any, within: float = 20) -> None:
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await anyio.sleep(0.02)
    raise AssertionError(f"not true after {within} s")


MESSAGES = ["hello", "\x1estarts with the mark", "", "naïve ☃", b"\x00\xffraw", {"json": [1, 2.5, None]}, 7]


async def test_text_bytes_and_json_reach_every_hub(hubs: tuple[Broadcast, Broadcast]) -> None:
    publisher, other = hubs
    async with publisher.subscribe("round-trip") as mine, other.subscribe("round-trip") as theirs:
        for message in MESSAGES:
            await publisher.publish("round-trip", message)
        assert await receive(mine, len(MESSAGES)) == MESSAGES
        assert await receive(theirs, len(MESSAGES)) == MESSAGES


async def test_a_topic_reaches_only_its_subscribers(hubs: tuple[Broadcast, Broadcast]) -> None:
    publisher, other = hubs
    async with other.subscribe("a") as a, other.subscribe("b") as b:
        await publisher.publish("a", "for a")
        await publisher.publish("b", "for b")
        assert await receive(a, 1) == ["for a"]
        assert await receive(b, 1) == ["for b"]


async def test_order_per_publisher_is_kept(hubs: tuple[Broadcast, Broadcast]) -> None:
    publisher, other = hubs
    async with other.subscribe("order") as messages:
        for number in range(300):
            await publisher.publish("order", number)
        assert await receive(messages, 300) == list(range(300))


async def test_unsubscribing_ends_the_upstream_subscription(hubs: tuple[Broadcast, Broadcast]) -> None:
    publisher, other = hubs
    async with other.subscribe("leave") as first, other.subscribe("leave") as second:
        assert other.subscribers("leave") == 2
        await first.aclose()
        await publisher.publish("leave", "still here")
        assert await receive(second, 1) == ["still here"]
    assert other.subscribers("leave") == 0
    async with other.subscribe("leave") as again:
        await publisher.publish("leave", "back")
        assert await receive(again, 1) == ["back"]


async def test_one_upstream_subscription_per_topic(redis_broker: Broker) -> None:
    import redis.asyncio

    hub = Broadcast(redis_broker.url)
    observer = redis.asyncio.Redis.from_url(redis_broker.url)
    try:
        async with hub.subscribe("shared") as one, hub.subscribe("shared"), hub.subscribe("shared"):
            assert hub.subscribers("shared") == 3
            # NUMSUB counts connections subscribed to the channel: this process holds one.
            assert await observer.pubsub_numsub("shared") == [(b"shared", 1)]
            await hub.publish("shared", "once")
            assert await receive(one, 1) == ["once"]
        await wait_until(lambda: True)
        assert await observer.pubsub_numsub("shared") == [(b"shared", 0)]
    finally:
        await observer.aclose()
        await hub.close()


async def test_an_unreachable_broker_fails_fast_and_clearly(broker: Broker) -> None:
    url = broker.url.replace(str(broker.port), str(free_port()))  # type: ignore[attr-defined]
    hub = Broadcast(url, connect_timeout=3)
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable, match="cannot connect"):
        await hub.publish("nowhere", "x")
    with pytest.raises(BrokerUnavailable, match="cannot connect"):
        async with hub.subscribe("nowhere"):
            pass
    assert time.monotonic() - started < 8
    await hub.close()


async def test_broker_restart_keeps_subscribers_and_delivery_resumes(
    broker: Broker, hubs: tuple[Broadcast, Broadcast]
) -> None:
    publisher, other = hubs
    async with other.subscribe("restart") as messages:
        await publisher.publish("restart", "before")
        assert await receive(messages, 1) == ["before"]
        broker.kill()
        try:
            await wait_until(lambda: not publisher.connected)
            started = time.monotonic()
            with pytest.raises(BrokerUnavailable, match="reconnecting"):
                await publisher.publish("restart", "during")
            assert time.monotonic() - started < 1  # no hanging while the broker is away
        finally:
            broker.start()
        await wait_until(lambda: publisher.connected and other.connected)
        await publisher.publish("restart", "after")
        assert await receive(messages, 1) == ["after"]


async def test_a_slow_subscriber_drops_its_oldest_without_slowing_the_others(
    hubs: tuple[Broadcast, Broadcast],
) -> None:
    publisher, other = hubs
    async with other.subscribe("slow", queue_size=10) as slow, other.subscribe("slow") as fast:
        for number in range(200):
            await publisher.publish("slow", number)
        assert await receive(fast, 200) == list(range(200))
        await wait_until(lambda: slow.dropped == 190)
        assert await receive(slow, 10) == list(range(190, 200))


async def test_a_slow_subscriber_with_overflow_close_is_ended(hubs: tuple[Broadcast, Broadcast]) -> None:
    publisher, other = hubs
    async with other.subscribe("slow-close", queue_size=10, overflow="close") as slow:
        async with other.subscribe("slow-close") as fast:
            for number in range(50):
                await publisher.publish("slow-close", number)
            assert await receive(fast, 50) == list(range(50))
        with pytest.raises(SubscriberOverflow, match="fell 10 messages behind"):
            await receive(slow, 50)


async def test_postgres_notify_limit_is_a_clear_error(broker: Broker) -> None:
    hub = Broadcast(broker.url)
    try:
        async with hub.subscribe("big") as messages:
            if broker.scheme == "postgres":
                with pytest.raises(MessageTooLarge, match="7999 bytes"):
                    await hub.publish("big", "x" * 8000)
                with pytest.raises(MessageTooLarge):
                    await hub.publish("big", b"\xff" * 6000)  # not UTF-8: base64 makes it 8,000+
                await hub.publish("big", "x" * 7999)
                assert await receive(messages, 1) == ["x" * 7999]
            else:
                await hub.publish("big", "x" * 1_000_000)
                assert await receive(messages, 1) == ["x" * 1_000_000]
    finally:
        await hub.close()


async def test_what_is_published_once_subscribe_returns_arrives(hubs: tuple[Broadcast, Broadcast]) -> None:
    publisher, other = hubs
    await publisher.publish("connect", "first use connects the publisher")
    for number in range(20):
        async with other.subscribe(f"fresh-{number}") as messages:
            await publisher.publish(f"fresh-{number}", number)  # no warm-up: the subscription is confirmed
            assert await receive(messages, 1) == [number]
