"""``portable_endpoints.sse`` against sse-starlette itself: the same bytes, headers and errors.

The cross-host behaviour (flushing, pings, disconnects) is in the suite (``test_streams``); here the
encoding and the constructor are compared with sse-starlette's, which porting code relies on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
import sse_starlette.sse
from sse_starlette.event import ServerSentEvent as TheirEvent
from sse_starlette.event import ensure_bytes as their_ensure_bytes

from portable_endpoints import Request, Route, create_app
from portable_endpoints.sse import (
    EventSourceResponse,
    JSONServerSentEvent,
    SendTimeoutError,
    ServerSentEvent,
    ensure_bytes,
)
from portable_endpoints.testing import TestClient

EVENTS: list[dict[str, Any]] = [
    {"data": "plain"},
    {"data": "two\nlines\r\nthree\rfour", "event": "multi"},
    {"data": 42, "id": "7", "retry": 1500},
    {"comment": "a comment\nover two lines"},
    {"data": "", "event": "na\nme", "id": "i\r\nd"},
    {"data": None, "event": "no-data"},
    {"data": "é ü", "sep": "\n"},
    {"data": "x", "sep": "\r"},
    {},
]


@pytest.mark.parametrize("fields", EVENTS)
def test_an_event_encodes_as_sse_starlettes(fields: dict[str, Any]) -> None:
    assert ServerSentEvent(**fields).encode() == TheirEvent(**fields).encode()


@pytest.mark.parametrize("item", ["text", 3.5, b"data: raw\r\n\r\n", {"data": "d", "event": "e"}, {"comment": "c"}])
@pytest.mark.parametrize("sep", ["\r\n", "\n"])
def test_what_an_iterator_yields_becomes_the_same_bytes(item: Any, sep: str) -> None:
    assert ensure_bytes(item, sep) == their_ensure_bytes(item, sep)
    assert ensure_bytes(ServerSentEvent("e", sep=sep), sep) == their_ensure_bytes(TheirEvent("e", sep=sep), sep)


def test_a_json_event_is_compact_and_keeps_non_ascii() -> None:
    assert JSONServerSentEvent({"a": "é", "b": [1, 2]}, event="j").encode() == (
        sse_starlette.JSONServerSentEvent({"a": "é", "b": [1, 2]}, event="j").encode()
    )
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        JSONServerSentEvent(float("nan"))


def test_the_headers_are_sse_starlettes() -> None:
    ours = EventSourceResponse([], headers={"X-Extra": "1"})
    theirs = sse_starlette.sse.EventSourceResponse(iter([]), headers={"X-Extra": "1"})
    assert ours.raw_headers == theirs.raw_headers
    assert ours.ping_interval == theirs.ping_interval == 15
    assert dict(EventSourceResponse([], media_type="text/plain").headers)["content-type"] == (
        "text/plain; charset=utf-8"
    )


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"sep": "\t"}, ValueError, "sep must be one of"),
        ({"ping": -1}, ValueError, "ping interval must be >= 0"),
        ({"ping": "15"}, TypeError, "ping interval must be int or float"),
    ],
)
def test_bad_options_are_refused_as_sse_starlette_refuses_them(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        EventSourceResponse([], **options)
    with pytest.raises(error, match=message):
        sse_starlette.sse.EventSourceResponse(iter([]), **options)


def test_a_retry_that_is_not_an_int_is_refused() -> None:
    with pytest.raises(TypeError, match="retry argument must be int"):
        ServerSentEvent("x", retry="5").encode()  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_send_that_stalls_past_send_timeout_ends_the_stream() -> None:
    """On a host that sends the response itself; the test client holds sends once its buffer is full."""
    closed = anyio.Event()

    async def flood() -> AsyncIterator[str]:
        try:
            while True:
                yield "x" * 1000
        finally:
            closed.set()

    async def events(request: Request) -> EventSourceResponse:
        return EventSourceResponse(flood(), ping=0, send_timeout=0.2)

    async def stall(client: TestClient) -> None:
        async with client.stream("GET", "/") as response:
            with anyio.fail_after(5):
                await closed.wait()  # the client reads nothing: the stream stalls, then ends
            await response.read()  # what the buffer held; it ends once the app has returned

    async with TestClient(create_app([Route("/", events)], framework="asgi"), spec_version="2.3") as client:
        with pytest.raises(SendTimeoutError):
            await stall(client)
