"""Broadcast on every host, through the built-in ``memory://`` backend: ``websocket.subscribe`` semantics."""

from __future__ import annotations

import uuid
from typing import Any

import anyio
import pytest

from portable_endpoints import WebSocket, WebSocketDisconnect, WebSocketEndpoint, WebSocketRoute
from portable_endpoints.broadcast import Broadcast
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


def new_hub(**options: Any) -> Broadcast:
    return Broadcast(f"memory://suite-{uuid.uuid4().hex}", **options)


class Log:
    """What the endpoint saw, recorded in the app and asserted in the test."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.disconnected = anyio.Event()

    async def wait(self) -> list[Any]:
        with anyio.fail_after(5):
            await self.disconnected.wait()
        await anyio.sleep(0.02)  # a second on_disconnect, or a late forwarded send, would land here
        return self.events


async def read_until_closed(ws: Any) -> None:
    while True:
        await ws.receive()


def room(hub: Broadcast, log: Log, topic: str = "room") -> type[WebSocketEndpoint]:
    class Room(WebSocketEndpoint):
        encoding = "text"

        async def on_connect(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.subscribe(hub, topic)
            await websocket.send_text("subscribed")

        async def on_receive(self, websocket: WebSocket, data: str) -> None:
            if data == "leave":
                await websocket.unsubscribe(hub, topic)
                await websocket.send_text("left")
            elif data == "close":
                await websocket.close(4000)
            elif data == "crash":
                raise ValueError("endpoint bug")
            else:
                await hub.publish(topic, data)

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            # Recorded here, asserted by the test: the forwarding already left the topic.
            log.events.append(("disconnect", close_code, hub.subscribers(topic)))
            log.disconnected.set()

    return Room


async def test_every_client_receives_what_any_client_publishes(pe_host: Host) -> None:
    hub, log = new_hub(), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as first, client.websocket_connect("/ws") as second:
            assert await first.receive_text() == "subscribed"
            assert await second.receive_text() == "subscribed"
            assert hub.subscribers("room") == 2
            await first.send_text("hello from first")
            await second.send_text("hello from second")
            for ws in (first, second):
                assert [await ws.receive_text(), await ws.receive_text()] == ["hello from first", "hello from second"]
    await hub.close()


async def test_text_bytes_and_json_arrive_as_their_frame_types(pe_host: Host) -> None:
    hub, log = new_hub(), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            await hub.publish("room", "text")
            await hub.publish("room", b"\x00bytes")
            await hub.publish("room", {"json": [1, None]})
            assert await ws.receive_text() == "text"
            assert await ws.receive_bytes() == b"\x00bytes"
            assert await ws.receive_json() == {"json": [1, None]}
    await hub.close()


@pytest.mark.parametrize("code", [1000, 4001])
async def test_forwarding_stops_before_on_disconnect_which_runs_once(pe_host: Host, code: int) -> None:
    hub, log = new_hub(), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            await ws.close(code)
        assert await log.wait() == [("disconnect", code, 0)]
        await hub.publish("room", "nobody listens")
    await hub.close()


async def test_an_endpoint_error_still_stops_forwarding_first(pe_host: Host) -> None:
    hub, log = new_hub(), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))], raise_app_exceptions=False) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            await ws.send_text("crash")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1011
        assert await log.wait() == [("disconnect", 1011, 0)]
    await hub.close()


async def test_a_send_after_the_endpoint_closed_ends_the_subscription_quietly(pe_host: Host) -> None:
    hub, log = new_hub(), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            await ws.send_text("close")
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 4000
            await hub.publish("room", "after close")
        assert await log.wait() == [("disconnect", 4000, 0)]
    await hub.close()


async def test_unsubscribe_stops_delivery_and_keeps_the_connection(pe_host: Host) -> None:
    hub, log = new_hub(), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            await ws.send_text("leave")
            assert await ws.receive_text() == "left"
            assert hub.subscribers("room") == 0
            await hub.publish("room", "not for you")
            await ws.send_text("leave")  # a second unsubscribe is a no-op
            assert await ws.receive_text() == "left"
        assert await log.wait() == [("disconnect", 1000, 0)]
    await hub.close()


async def test_a_full_queue_drops_the_oldest_by_default(pe_host: Host) -> None:
    hub, log = new_hub(queue_size=5), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            # memory:// queues synchronously: these 20 arrive before the forwarder can send one.
            for number in range(20):
                await hub.publish("room", number)
            await hub.publish("room", "end")
            received = []
            while (message := await ws.receive_text()) != "end":
                received.append(message)
            assert received == ["16", "17", "18", "19"]
    await hub.close()


async def test_a_full_queue_with_overflow_close_closes_1013(pe_host: Host) -> None:
    hub, log = new_hub(queue_size=5, overflow="close"), Log()
    async with pe_host.client([WebSocketRoute("/ws", room(hub, log))]) as client:
        async with client.websocket_connect("/ws") as slow, client.websocket_connect("/ws") as other:
            assert await slow.receive_text() == "subscribed"
            assert await other.receive_text() == "subscribed"
            await other.send_text("unsubscribe the other one from the overflow")
            assert await other.receive_text() == "unsubscribe the other one from the overflow"
            await other.send_text("leave")
            assert await other.receive_text() == "left"
            for number in range(20):
                await hub.publish("room", number)
            with pytest.raises(WebSocketDisconnect) as closed:
                await read_until_closed(slow)
            assert closed.value.code == 1013
            await other.send_text("still open")  # the other client's connection is untouched
    await hub.close()


async def test_subscribe_before_accept_is_a_clear_error(pe_host: Host) -> None:
    hub = new_hub()
    errors: list[str] = []

    class Early(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            try:
                await websocket.subscribe(hub, "room")
            except RuntimeError as exc:
                errors.append(str(exc))
            await websocket.accept()
            await websocket.send_text("accepted")

    async with pe_host.client([WebSocketRoute("/ws", Early)]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "accepted"
    assert errors == ['WebSocket is not connected. Need to call "accept" first.']
    assert hub.subscribers("room") == 0
    await hub.close()


async def test_a_function_session_stops_its_forwarding_when_it_returns(pe_host: Host) -> None:
    hub = new_hub()
    ended = anyio.Event()
    counts: list[int] = []

    async def session(websocket: WebSocket) -> None:
        try:
            await websocket.accept()
            await websocket.subscribe(hub, "room")
            await websocket.send_text("subscribed")
            await websocket.receive_text()
        finally:
            ended.set()

    async with pe_host.client([WebSocketRoute("/ws", session)]) as client:
        async with client.websocket_connect("/ws") as ws:
            assert await ws.receive_text() == "subscribed"
            await hub.publish("room", "forwarded")
            assert await ws.receive_text() == "forwarded"
            await ws.send_text("done")
        with anyio.fail_after(5):
            await ended.wait()
        for _ in range(100):  # the route's wrapper stops the forwarding right after the function returns
            counts.append(hub.subscribers("room"))
            if counts[-1] == 0:
                break
            await anyio.sleep(0.01)
    assert counts[-1] == 0
    await hub.close()
