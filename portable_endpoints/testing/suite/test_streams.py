"""Streams that know their client: no stream outlives it, ``is_disconnected()``, server-sent events.

Every server measured speaks ASGI spec 2.3 or older for HTTP, where the only way to learn that the
client has gone is an ``http.disconnect`` on ``receive``; the response listens for it (Starlette's
rule), so an iterator that is waiting, yielding nothing, is closed too. Under spec 2.4 a send to a
gone client raises ``OSError`` instead. The test client plays both (``spec_version=``): leaving a
``client.stream(...)`` block early is the client leaving. What the app did is recorded in lists
and events the test reads after the client has left.
"""

from __future__ import annotations

import itertools
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest

from portable_endpoints import BackgroundTask, FileResponse, JSONResponse, Request, Route, StreamingResponse
from portable_endpoints.sse import EventSourceResponse, ServerSentEvent
from portable_endpoints.testing.native_kit import NoNativeKit
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio

#: How soon after the client leaves the stream must have stopped (its ``finally`` run).
PROMPTLY = 1.0


class Watch:
    """What a stream's generator and its response's background task did, read by the test."""

    def __init__(self) -> None:
        self.closed = anyio.Event()
        self.background_ran = False
        self.disconnected_in_background: bool | None = None
        self.sent = 0

    async def lines(self, waiting: bool, pause: float = 0.01) -> AsyncIterator[str]:
        """Three lines, then: ``waiting``, nothing more ever; else a line every ``pause`` seconds."""
        try:
            while True:
                self.sent += 1
                yield f"line {self.sent}\n"
                if self.sent >= 3 and waiting:
                    await anyio.sleep_forever()
                await anyio.sleep(pause)
        finally:
            self.closed.set()

    async def background(self, request: Request) -> None:
        self.background_ran = True
        self.disconnected_in_background = await request.is_disconnected()


def build(pe_host: Host, routes: list[Route], composition: str, **client_options: Any) -> Any:
    if composition == "native_routes" and pe_host.native_kit is None:
        with pytest.raises(NoNativeKit):  # declared absent: test_composition checks the rest
            pe_host.build(routes, composition)
        composition = "mount"
    return pe_host.client(routes, composition=composition, **client_options)


async def leave_after_three_lines(client: Any, path: str, watch: Watch) -> float:
    """Read three lines of ``path`` and leave; how long the app took to stop after that."""
    async with client.stream("GET", path) as response:
        assert response.status_code == 200
        lines = []
        async for line in response.aiter_lines():
            lines.append(line)
            if len(lines) == 3:
                break
        assert lines == ["line 1", "line 2", "line 3"]
        left = time.monotonic()
    with anyio.fail_after(PROMPTLY):
        await watch.closed.wait()
    return time.monotonic() - left


def streaming_routes(watch: Watch, *, waiting: bool) -> list[Route]:
    async def endless(request: Request) -> StreamingResponse:
        task = BackgroundTask(watch.background, request)
        return StreamingResponse(watch.lines(waiting), media_type="text/plain", background=task)

    return [Route("/endless", endless)]


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_a_waiting_stream_is_closed_when_its_client_leaves(pe_host: Host, composition: str) -> None:
    watch = Watch()
    async with build(pe_host, streaming_routes(watch, waiting=True), composition, spec_version="2.3") as client:
        elapsed = await leave_after_three_lines(client, "/endless", watch)
    assert elapsed < PROMPTLY
    assert watch.sent == 3
    # Starlette's rule before spec 2.4: the background task runs after a disconnect, and sees it.
    assert watch.background_ran
    assert watch.disconnected_in_background is True


async def test_a_stream_stops_at_its_next_send_under_spec_2_4(pe_host: Host) -> None:
    watch = Watch()
    async with build(pe_host, streaming_routes(watch, waiting=False), "create_app", spec_version="2.4") as client:
        elapsed = await leave_after_three_lines(client, "/endless", watch)
    assert elapsed < PROMPTLY
    # Starlette's rule under spec 2.4: the failed send is a ClientDisconnect; no background task.
    assert not watch.background_ran


async def test_a_sync_iterator_is_closed_when_its_client_leaves(pe_host: Host) -> None:
    """A sync iterator is read in a worker thread; it is closed once the thread's item is in."""
    closed = threading.Event()

    def lines() -> Iterator[str]:
        try:
            for number in itertools.count(1):
                yield f"line {number}\n"
                time.sleep(0.01)
        finally:
            closed.set()

    async def endless(request: Request) -> StreamingResponse:
        return StreamingResponse(lines(), media_type="text/plain")

    async with pe_host.client([Route("/endless", endless)], spec_version="2.3") as client:
        async with client.stream("GET", "/endless") as response:
            async for line in response.aiter_lines():
                if line == "line 3":
                    break
        assert await anyio.to_thread.run_sync(closed.wait, PROMPTLY)


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_a_file_stops_when_its_client_leaves(pe_host: Host, tmp_path: Any, spec_version: str) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (64 * 1024 * 64))  # 64 chunks: more than the client's buffer holds
    ran: list[bool] = []

    async def big(request: Request) -> FileResponse:
        return FileResponse(path, background=BackgroundTask(ran.append, True))

    async with pe_host.client([Route("/big", big)], spec_version=spec_version) as client:
        started = time.monotonic()
        async with client.stream("GET", "/big") as response:
            assert response.headers["content-length"] == str(64 * 1024 * 64)
            async for chunk in response.aiter_bytes():
                assert chunk
                break
        # Leaving waits for the app to return: it did, without sending the rest to nobody.
        assert time.monotonic() - started < PROMPTLY
    # Starlette's rule: the background task runs after a disconnect before spec 2.4, not from 2.4.
    assert ran == ([True] if spec_version == "2.3" else [])


async def test_is_disconnected_is_false_while_the_client_waits(pe_host: Host) -> None:
    async def check(request: Request) -> JSONResponse:
        return JSONResponse({"disconnected": await request.is_disconnected()})

    async with pe_host.client([Route("/check", check, methods=["GET", "POST"])]) as client:
        assert (await client.get("/check")).json() == {"disconnected": False}
        assert (await client.post("/check", content=b"")).json() == {"disconnected": False}


# -- server-sent events ------------------------------------------------------------------------


def sse_lines(text: str) -> list[str]:
    return text.split("\r\n")


async def test_events_are_encoded_with_sse_starlettes_format_and_headers(pe_host: Host) -> None:
    async def events(request: Request) -> EventSourceResponse:
        items = [
            ServerSentEvent("two\nlines", event="greeting", id="7", retry=1500),
            {"data": "from a dict", "event": "dict"},
            "plain text",
            ServerSentEvent(comment="just a comment"),
            b"data: raw bytes\r\n\r\n",
        ]
        return EventSourceResponse(items, ping=0, headers={"X-Extra": "yes"})

    async with pe_host.client([Route("/events", events)]) as client:
        response = await client.get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["connection"] == "keep-alive"
    assert response.headers["x-extra"] == "yes"
    assert response.text == (
        "id: 7\r\nevent: greeting\r\ndata: two\r\ndata: lines\r\nretry: 1500\r\n\r\n"
        "event: dict\r\ndata: from a dict\r\n\r\n"
        "data: plain text\r\n\r\n"
        ": just a comment\r\n\r\n"
        "data: raw bytes\r\n\r\n"
    )


async def test_the_separator_and_cache_control_may_be_chosen(pe_host: Host) -> None:
    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(["a", {"data": "b"}], sep="\n", ping=0, headers={"Cache-Control": "public"})

    async with pe_host.client([Route("/events", events)]) as client:
        response = await client.get("/events")
    assert response.text == "data: a\n\ndata: b\n\n"
    assert response.headers["cache-control"] == "public"


async def test_pings_are_comments_sent_while_no_event_comes(pe_host: Host) -> None:
    async def slow() -> AsyncIterator[str]:
        yield "first"
        await anyio.sleep(0.35)
        yield "second"

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(slow(), ping=0.1)

    async def custom(request: Request) -> EventSourceResponse:
        return EventSourceResponse(slow(), ping=0.1, ping_message_factory=lambda: ServerSentEvent(comment="alive"))

    async with pe_host.client([Route("/events", events), Route("/custom", custom)]) as client:
        lines = sse_lines((await client.get("/events")).text)
        custom_lines = sse_lines((await client.get("/custom")).text)
    assert lines[:2] == ["data: first", ""]
    pings = [line for line in lines if line.startswith(": ping - ")]
    assert 2 <= len(pings) <= 4, lines
    assert lines[-3:] == ["data: second", "", ""]
    assert custom_lines.count(": alive") in (2, 3, 4), custom_lines


async def test_events_arrive_one_by_one(pe_host: Host) -> None:
    """The generator yields the next event only once the client has read the one before."""
    read = [anyio.Event() for _ in range(3)]

    async def paced() -> AsyncIterator[ServerSentEvent]:
        for index in range(3):
            yield ServerSentEvent(str(index), id=str(index))
            with anyio.fail_after(5):  # a host that buffers the stream never lets the client read
                await read[index].wait()

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(paced(), ping=0)

    async with pe_host.client([Route("/events", events)]) as client:
        async with client.stream("GET", "/events") as response:
            seen = []
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    seen.append(line)
                    read[len(seen) - 1].set()
    assert seen == ["data: 0", "data: 1", "data: 2"]


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_an_event_stream_is_closed_when_its_client_leaves(pe_host: Host, spec_version: str) -> None:
    """As sse-starlette: the disconnect is listened for under every spec version, so an event
    stream waiting for its next event stops too, and the background task runs."""
    watch = Watch()

    async def stripped() -> AsyncIterator[str]:
        async for line in watch.lines(waiting=True):
            yield line.strip()

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(stripped(), ping=0, background=BackgroundTask(watch.background, request))

    async with pe_host.client([Route("/events", events)], spec_version=spec_version) as client:
        async with client.stream("GET", "/events") as response:
            seen = []
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    seen.append(line)
                if len(seen) == 3:
                    break
            left = time.monotonic()
        with anyio.fail_after(PROMPTLY):
            await watch.closed.wait()
        assert time.monotonic() - left < PROMPTLY
    assert seen == ["data: line 1", "data: line 2", "data: line 3"]
    assert watch.background_ran


async def test_last_event_id_is_read_from_the_request_headers(pe_host: Host) -> None:
    async def resume(request: Request) -> EventSourceResponse:
        start = int(request.headers.get("last-event-id", "0")) + 1
        return EventSourceResponse((ServerSentEvent(f"event {n}", id=str(n)) for n in range(start, start + 2)), ping=0)

    async with pe_host.client([Route("/events", resume)]) as client:
        first = await client.get("/events")
        again = await client.get("/events", headers={"Last-Event-ID": "5"})
    assert "id: 1\r\ndata: event 1" in first.text
    assert again.text == "id: 6\r\ndata: event 6\r\n\r\nid: 7\r\ndata: event 7\r\n\r\n"


async def test_a_data_sender_feeds_the_stream(pe_host: Host) -> None:
    async def events(request: Request) -> EventSourceResponse:
        send, receive = anyio.create_memory_object_stream[dict[str, str]](10)

        async def produce() -> None:
            async with send:
                for name in ("a", "b", "c"):
                    await send.send({"data": name})

        async def consume() -> AsyncIterator[dict[str, str]]:
            async with receive:
                async for item in receive:
                    yield item

        return EventSourceResponse(consume(), ping=0, data_sender_callable=produce)

    async with pe_host.client([Route("/events", events)]) as client:
        response = await client.get("/events")
    assert response.text == "data: a\r\n\r\ndata: b\r\n\r\ndata: c\r\n\r\n"


async def test_head_on_an_event_stream_sends_headers_only(pe_host: Host) -> None:
    started: list[bool] = []

    async def endless() -> AsyncIterator[str]:
        started.append(True)
        while True:
            yield "tick"
            await anyio.sleep(0.01)

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(endless(), ping=0)

    async with pe_host.client([Route("/events", events)]) as client:
        response = await client.head("/events")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.content == b""
    assert started == []


@contextmanager
def a_servers_stop_handler() -> Iterator[list[int]]:
    """A Python SIGTERM handler, as each server sets one before it serves; the signals it got."""
    got: list[int] = []
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    try:
        yield got
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
@pytest.mark.parametrize("path", ["/endless", "/events"])
async def test_an_open_stream_ends_complete_when_the_server_is_told_to_stop(
    pe_host: Host, path: str, spec_version: str
) -> None:
    """SIGTERM reaching the server's handler ends every open stream as if its body had ended:
    the iterator closed (``finally`` run), the body complete for the client, the background task
    run; then the server's handler runs. A stream opened while the server stops ends after its
    headers, its iterator never started."""
    watch = Watch()

    async def events(request: Request) -> EventSourceResponse:
        task = BackgroundTask(watch.background, request)
        return EventSourceResponse(watch.lines(waiting=True), ping=0, sep="\n", background=task)

    routes = [*streaming_routes(watch, waiting=True), Route("/events", events)]
    with a_servers_stop_handler() as got:
        async with pe_host.client(routes, spec_version=spec_version) as client:
            async with client.stream("GET", path) as response:
                lines = []
                with anyio.fail_after(PROMPTLY):
                    async for line in response.aiter_lines():
                        if line.removeprefix("data: ").strip():
                            lines.append(line.removeprefix("data: ").strip())
                        if len(lines) == 3 and not got:
                            signal.raise_signal(signal.SIGTERM)
            assert lines == ["line 1", "line 2", "line 3"]
            assert watch.closed.is_set()
            assert got == [signal.SIGTERM]
            assert watch.background_ran

            watch = Watch()
            late = await client.get(path)
            assert (late.status_code, late.text) == (200, "")
            assert watch.sent == 0
