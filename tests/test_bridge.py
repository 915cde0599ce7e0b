"""The core's ASGI bridge (``hosting.bridge_asgi_response``) on its own: what a host without a raw
``send`` gets, and what happens when it stops reading."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from portable_endpoints import BackgroundTask, PlainTextResponse, Request
from portable_endpoints.hosting import bridge_asgi_response
from portable_endpoints.types import Receive, Scope, Send

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the bridge serves asyncio hosts (Quart, Django)


def request(body: list[bytes] | None = None, extensions: dict[str, Any] | None = None) -> Request:
    chunks = list(body or [])

    async def body_chunks() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "extensions": extensions or {},
    }
    return Request(scope, body_chunks=body_chunks)


async def collect(body: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in body]


async def test_status_headers_chunks_then_the_background() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        for chunk in (b"one", b"", b"two"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            events.append(f"sent {chunk!r}")
        await send({"type": "http.response.body", "body": b"end"})
        events.append("background")

    bridged = await bridge_asgi_response(app, request())
    assert (bridged.status, bridged.headers) == (201, [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")])
    assert await collect(bridged.body) == [b"one", b"two", b"end"]
    await bridged.finish()
    assert events == ["sent b'one'", "sent b''", "sent b'two'", "background"]


async def test_the_app_waits_for_the_host_to_take_each_chunk() -> None:
    sent: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for number in range(3):
            await send({"type": "http.response.body", "body": b"%d" % number, "more_body": True})
            sent.append(number)
        await send({"type": "http.response.body", "body": b""})

    bridged = await bridge_asgi_response(app, request())
    await asyncio.sleep(0.01)
    assert sent == []  # nothing taken yet: the first chunk is still waiting
    assert await bridged.body.__anext__() == b"0"
    await asyncio.sleep(0.01)
    assert sent == [0]
    assert await collect(bridged.body) == [b"1", b"2"]
    await bridged.finish()


async def test_closing_the_body_early_cancels_the_app() -> None:
    cancelled = asyncio.Event()

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"tick", "more_body": True})
        except asyncio.CancelledError:
            cancelled.set()
            raise

    bridged = await bridge_asgi_response(endless, request())
    body = bridged.body
    assert await body.__anext__() == b"tick"
    await body.aclose()  # type: ignore[attr-defined]
    await asyncio.wait_for(cancelled.wait(), 5)
    await bridged.finish()


async def test_a_body_the_host_drops_cancels_the_app() -> None:
    cancelled = asyncio.Event()

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"tick", "more_body": True})
        except asyncio.CancelledError:
            cancelled.set()
            raise

    bridged = await bridge_asgi_response(endless, request())
    assert await bridged.body.__anext__() == b"tick"
    del bridged
    gc.collect()
    await asyncio.wait_for(cancelled.wait(), 5)


async def test_a_host_cancelled_while_waiting_for_a_chunk_cancels_the_app() -> None:
    cancelled = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    bridged = await bridge_asgi_response(slow, request())
    reader = asyncio.ensure_future(collect(bridged.body))
    await asyncio.sleep(0.01)
    reader.cancel()
    await asyncio.wait_for(cancelled.wait(), 5)


async def test_failures_before_and_after_the_start() -> None:
    async def before(scope: Scope, receive: Receive, send: Send) -> None:
        raise ValueError("before")

    async def after(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise ValueError("after")

    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    with pytest.raises(ValueError, match="before"):
        await bridge_asgi_response(before, request())
    bridged = await bridge_asgi_response(after, request())
    with pytest.raises(ValueError, match="after"):
        await collect(bridged.body)
    with pytest.raises(RuntimeError, match="returned without starting a response"):
        await bridge_asgi_response(silent, request())


async def test_messages_out_of_order_are_refused() -> None:
    async def body_first(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.body", "body": b"x"})

    async def twice(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.start", "status": 200, "headers": []})

    with pytest.raises(RuntimeError, match=r"'http\.response\.body' before 'http\.response\.start'"):
        await bridge_asgi_response(body_first, request())
    bridged = await bridge_asgi_response(twice, request())
    with pytest.raises(RuntimeError, match=r"'http\.response\.start' twice"):
        await collect(bridged.body)


async def test_the_app_reads_the_body_the_host_read() -> None:
    received: list[dict[str, object]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(dict(message))
            if not message.get("more_body"):
                break
        await PlainTextResponse("ok")(scope, receive, send)

    bridged = await bridge_asgi_response(app, request([b"ab", b"cd"]))
    assert await collect(bridged.body) == [b"ok"]
    await bridged.finish()
    assert received == [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]


async def test_response_extensions_the_bridge_cannot_carry_are_hidden() -> None:
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(sorted(scope["extensions"]))
        await PlainTextResponse("ok")(scope, receive, send)

    extensions: dict[str, Any] = {"http.response.pathsend": {}, "http.response.trailers": {}, "tls": {}}
    bridged = await bridge_asgi_response(app, request(extensions=extensions))
    assert await collect(bridged.body) == [b"ok"]
    assert seen == [["tls"]]


async def test_a_neutral_response_goes_through_the_bridge_too() -> None:
    ran: list[str] = []

    async def background() -> None:
        ran.append("background")

    response = PlainTextResponse("neutral", headers={"x-a": "1"}, background=BackgroundTask(background))
    bridged = await bridge_asgi_response(response, request())
    assert bridged.status == 200
    assert (b"x-a", b"1") in bridged.headers
    assert await collect(bridged.body) == [b"neutral"]
    await bridged.finish()
    assert ran == ["background"]


async def test_a_file_sent_with_the_servers_pathsend_extension_is_read_by_the_bridge(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    (tmp_path / "blob").write_bytes(data)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": str(tmp_path / "blob")})

    bridged = await bridge_asgi_response(app, request())
    assert b"".join(await collect(bridged.body)) == data
    await bridged.finish()
