"""Starlette's ``tests/test_websockets.py``, re-expressed: the cases that concern an endpoint, on every host.

Upstream drives bare ASGI apps; here each app is a ``WebSocketRoute`` function, served by the
host. Each test names the upstream test it re-expresses. Cases about raw ASGI message misuse
(sending before accepting, wrong message types) are the hostile-harness tests' business.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from portable_endpoints import (
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
    WebSocketRoute,
    status,
)
from portable_endpoints.testing import WebSocketRejected
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio


def routes_for(app: Any) -> list[WebSocketRoute]:
    return [WebSocketRoute("/{rest:path}", app)]


async def test_websocket_url(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"url": str(websocket.url)})
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/123?a=abc") as websocket:
            assert await websocket.receive_json() == {"url": "ws://testserver/123?a=abc"}


async def test_websocket_binary_json(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        message = await websocket.receive_json(mode="binary")
        await websocket.send_json(message, mode="binary")
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/123?a=abc") as websocket:
            await websocket.send_json({"test": "data"}, mode="binary")
            message = await websocket.receive()
            assert message.get("bytes") == b'{"test":"data"}'


async def test_websocket_ensure_unicode_on_send_json(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        message = await websocket.receive_json(mode="text")
        await websocket.send_json(message, mode="text")
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/123?a=abc") as websocket:
            await websocket.send_json({"test": "数据"}, mode="text")
            assert await websocket.receive_text() == '{"test":"数据"}'


async def test_websocket_query_params(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        query_params = dict(websocket.query_params)
        await websocket.accept()
        await websocket.send_json({"params": query_params})
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/?a=abc&b=456") as websocket:
            assert await websocket.receive_json() == {"params": {"a": "abc", "b": "456"}}


async def test_websocket_headers(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        headers = dict(websocket.headers)
        await websocket.accept()
        await websocket.send_json({"headers": headers})
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/", headers={"user-agent": "testclient", "x-a": "1"}) as websocket:
            headers = (await websocket.receive_json())["headers"]
            assert headers["host"] == "testserver"
            assert headers["user-agent"] == "testclient"
            assert headers["x-a"] == "1"


async def test_websocket_port(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"port": websocket.url.port})
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("ws://example.com:123/123?a=abc") as websocket:
            assert await websocket.receive_json() == {"port": 123}


async def test_websocket_send_and_receive(pe_host: Host) -> None:
    # test_websocket_send_and_receive_text / _bytes / _json in one connection each.
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        await websocket.send_text("Message was: " + text)
        data = await websocket.receive_bytes()
        await websocket.send_bytes(b"Message was: " + data)
        message = await websocket.receive_json()
        await websocket.send_json({"message": message})
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            await websocket.send_text("Hello, world!")
            assert await websocket.receive_text() == "Message was: Hello, world!"
            await websocket.send_bytes(b"Hello, world!")
            assert await websocket.receive_bytes() == b"Message was: Hello, world!"
            await websocket.send_json({"hello": "world"})
            assert await websocket.receive_json() == {"message": {"hello": "world"}}


@pytest.mark.parametrize("kind", ["text", "bytes", "json"])
async def test_websocket_iter(pe_host: Host, kind: str) -> None:
    # test_websocket_iter_text / _bytes / _json
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        if kind == "text":
            async for text in websocket.iter_text():
                await websocket.send_text("Message was: " + text)
        elif kind == "bytes":
            async for data in websocket.iter_bytes():
                await websocket.send_bytes(b"Message was: " + data)
        else:
            async for message in websocket.iter_json():
                await websocket.send_json({"message": message})

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            if kind == "text":
                await websocket.send_text("Hello, world!")
                assert await websocket.receive_text() == "Message was: Hello, world!"
            elif kind == "bytes":
                await websocket.send_bytes(b"Hello, world!")
                assert await websocket.receive_bytes() == b"Message was: Hello, world!"
            else:
                await websocket.send_json({"hello": "world"})
                assert await websocket.receive_json() == {"message": {"hello": "world"}}


async def test_websocket_concurrency_pattern(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        stream_send, stream_receive = anyio.create_memory_object_stream[Any](1)

        async def reader() -> None:
            async with stream_send:
                async for data in websocket.iter_json():
                    await stream_send.send(data)

        await websocket.accept()
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(reader)
            async with stream_receive:
                async for message in stream_receive:
                    await websocket.send_json(message)

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            await websocket.send_json({"hello": "world"})
            assert await websocket.receive_json() == {"hello": "world"}


async def test_client_close(pe_host: Host) -> None:
    seen: list[tuple[int, str | None]] = []

    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            seen.append((exc.code, exc.reason))

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            await websocket.close(code=status.WS_1001_GOING_AWAY, reason="Going Away")
    # Several hosts' servers never pass the client's reason on; the code always arrives.
    assert [code for code, _ in seen] == [status.WS_1001_GOING_AWAY]


async def test_application_close(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close(status.WS_1001_GOING_AWAY)

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            with pytest.raises(WebSocketDisconnect) as closed:
                await websocket.receive_text()
            assert closed.value.code == status.WS_1001_GOING_AWAY


async def test_rejected_connection(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.close(status.WS_1001_GOING_AWAY)

    async with pe_host.client(routes_for(app)) as client:
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket_connect("/"):
                pass
        # The ASGI spec's answer to a close before accept: HTTP 403.
        assert rejected.value.status_code == 403


async def test_subprotocol(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        subprotocols = websocket.scope["subprotocols"]
        await websocket.accept(subprotocol="wamp" if subprotocols == ["soap", "wamp"] else None)
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/", subprotocols=["soap", "wamp"]) as websocket:
            assert websocket.accepted_subprotocol == "wamp"


async def test_additional_headers(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept(headers=[(b"additional", b"header")])
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            assert websocket.accepted_headers["additional"] == "header"


async def test_no_additional_headers(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            assert "additional" not in websocket.accepted_headers


async def test_websocket_exception(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="policy")

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            with pytest.raises(WebSocketDisconnect) as closed:
                await websocket.receive_text()
            assert (closed.value.code, closed.value.reason) == (status.WS_1008_POLICY_VIOLATION, "policy")


async def test_websocket_close_reason(pe_host: Host) -> None:
    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close(code=status.WS_1001_GOING_AWAY, reason="Going Away")

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            with pytest.raises(WebSocketDisconnect) as closed:
                await websocket.receive_text()
            assert (closed.value.code, closed.value.reason) == (status.WS_1001_GOING_AWAY, "Going Away")


async def test_send_json_invalid_mode(pe_host: Host) -> None:
    errors: list[str] = []

    async def app(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.send_json({}, mode="invalid")
        except RuntimeError as exc:
            errors.append(str(exc))
        await websocket.close()

    async with pe_host.client(routes_for(app)) as client:
        async with client.websocket_connect("/") as websocket:
            with pytest.raises(WebSocketDisconnect):
                await websocket.receive()
    assert errors == ['The "mode" argument should be "text" or "binary".']
