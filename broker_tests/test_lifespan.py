"""``hub.lifespan`` closes the hub at the host's shutdown; without a lifespan the hub still connects lazily."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import portable_endpoints as pe
from broker_tests.brokers import Broker
from portable_endpoints import WebSocket, WebSocketEndpoint, WebSocketRoute
from portable_endpoints.broadcast import Broadcast
from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


def feed(hub: Broadcast) -> list[WebSocketRoute]:
    class Feed(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket[Any]) -> None:
            await websocket.accept()
            await websocket.subscribe(hub, "feed")
            await websocket.send_text("subscribed")

    return [WebSocketRoute("/feed", Feed)]


# How each host takes a lifespan context factory (as docs/broadcast.md shows).
LIFESPAN_OPTION: dict[str, Callable[[Broadcast], dict[str, Any]]] = {
    "starlette": lambda hub: {"lifespan": hub.lifespan},
    "litestar": lambda hub: {"lifespan": [hub.lifespan]},
    "asgi": lambda hub: {"lifespan": hub.lifespan},
}


@pytest.mark.parametrize("framework", sorted(LIFESPAN_OPTION))
async def test_the_hosts_shutdown_closes_the_hub(framework: str, redis_broker: Broker) -> None:
    hub = Broadcast(redis_broker.url)
    app = pe.create_app(feed(hub), framework=framework, **LIFESPAN_OPTION[framework](hub))
    async with TestClient(app) as client:
        async with client.websocket_connect("/feed") as ws:
            assert await ws.receive_text() == "subscribed"
            await hub.publish("feed", "live")
            assert await ws.receive_text() == "live"
            assert hub.connected
    assert not hub.connected


@pytest.mark.parametrize("framework", sorted(LIFESPAN_OPTION))
async def test_mounted_into_an_app_whose_lifespan_never_reaches_us(framework: str, redis_broker: Broker) -> None:
    hub = Broadcast(redis_broker.url)
    app = pe.create_app([], framework=framework)
    pe.mount(app, feed(hub), prefix="/v1")
    async with TestClient(app, lifespan=False) as client:
        async with client.websocket_connect("/v1/feed") as ws:
            assert await ws.receive_text() == "subscribed"
            await hub.publish("feed", "lazily connected")
            assert await ws.receive_text() == "lazily connected"
    await hub.close()
