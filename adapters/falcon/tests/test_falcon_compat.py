"""One test per Falcon internal the adapter touches (``_compat``): a release that moves one fails here."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import falcon.testing
import pytest
from portable_endpoints_falcon import _compat

pytestmark = pytest.mark.anyio


def http_scope() -> dict[str, Any]:
    return falcon.testing.create_scope(path="/", method="POST")


async def test_request_receive_gives_back_falcons_first_event() -> None:
    events = [{"type": "http.request", "body": b"two", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return events.pop(0)

    first = {"type": "http.request", "body": b"one", "more_body": True}
    req = falcon.asgi.Request(http_scope(), receive, first_event=first)
    replayed = _compat.request_receive(req)
    assert await replayed() == first
    assert await replayed() == {"type": "http.request", "body": b"two", "more_body": False}
    assert _compat.request_receive(falcon.asgi.Request(http_scope(), receive)) is receive


def make_websocket(receive: Any, send: Any) -> falcon.asgi.WebSocket:
    scope = falcon.testing.create_scope(path="/", scheme="ws")
    scope["type"] = "websocket"
    options = falcon.asgi.App().ws_options
    return falcon.asgi.WebSocket(
        "2.3", scope, receive, send, options.media_handlers, options.max_receive_queue, options.default_close_reasons
    )


async def test_websocket_channel_is_the_servers_own() -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "websocket.receive", "text": "x"}

    async def send(message: dict[str, Any]) -> None:
        return None

    ws = make_websocket(receive, send)
    assert _compat.websocket_channel(ws) == (receive, send)


async def test_a_websocket_marked_closed_sends_no_close_of_falcons() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    ws = make_websocket(receive, send)
    _compat.mark_websocket_closed(ws)
    assert ws.closed
    await ws.close()
    assert sent == []


def test_raw_headers_keep_repeats_and_get_no_default_content_type() -> None:
    resp = falcon.asgi.Response()
    resp.set_header("x-before", "middleware")
    resp.set_header("x-over", "middleware")
    _compat.set_raw_headers(
        resp,
        [
            (b"x-over", b"response"),
            (b"set-cookie", b"a=1"),
            (b"set-cookie", b"b=2"),
            (b"x-multi", b"1"),
            [b"x-multi", "\xe9".encode("latin-1")],  # type: ignore[list-item]  # a list pair, as MutableHeaders may leave
        ],
    )
    headers = resp._asgi_headers("application/json")
    assert (b"x-before", b"middleware") in headers
    assert (b"x-over", b"response") in headers
    assert [value for name, value in headers if name == b"set-cookie"] == [b"a=1", b"b=2"]
    assert [value for name, value in headers if name == b"x-multi"] == [b"1", "\xe9".encode("latin-1")]
    assert not [name for name, _ in headers if name == b"content-type"]
    typed = falcon.asgi.Response()
    _compat.set_raw_headers(typed, [(b"content-type", b"text/plain")])
    assert typed._asgi_headers("application/json") == [(b"content-type", b"text/plain")]


def test_adopt_response_copies_every_attribute() -> None:
    source = falcon.asgi.Response()
    source.status = 201
    source.text = "made"
    source.set_header("x-a", "1")
    source.set_cookie("c", "v")
    source.context.tag = "kept"
    app_options = falcon.ResponseOptions()
    target = falcon.asgi.Response(options=app_options)
    _compat.adopt_response(target, source)
    assert target.options is app_options
    assert (target.status_code, target.text, target.get_header("x-a"), target.context.tag) == (201, "made", "1", "kept")
    assert any(name == b"set-cookie" for name, _ in target._asgi_headers())


def test_sinks_lists_the_registered_sinks_most_recent_first() -> None:
    app = falcon.asgi.App()

    async def first(req: Any, resp: Any, **kwargs: Any) -> None:
        return None

    async def second(req: Any, resp: Any, **kwargs: Any) -> None:
        return None

    app.add_sink(first, "/a")
    app.add_sink(second, "/b")
    assert _compat.sinks(app) == [second, first]


def test_has_cors_middleware_sees_cors_enable_and_a_given_cors_middleware() -> None:
    assert not _compat.has_cors_middleware(falcon.asgi.App())
    assert _compat.has_cors_middleware(falcon.asgi.App(cors_enable=True))
    assert _compat.has_cors_middleware(falcon.asgi.App(middleware=[falcon.CORSMiddleware(allow_origins="*")]))


async def test_started_body_stream_is_falcons_stream_once_used() -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    req = falcon.asgi.Request(http_scope(), receive)
    assert _compat.started_body_stream(req) is None
    stream = req.stream
    assert _compat.started_body_stream(req) is stream


async def test_every_response_ends_with_the_one_shared_end_message() -> None:
    class Resource:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.stream = falcon_chunks()

    async def falcon_chunks() -> Any:
        yield b"x"

    app = falcon.asgi.App()
    app.add_route("/", Resource())
    ends: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            ends.append(message)

    for _ in range(2):
        await app(falcon.testing.create_scope(path="/"), receive, send)
    assert ends[0] is ends[1] is _compat.RESPONSE_END
