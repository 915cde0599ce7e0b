"""One test per Sanic internal ``_compat`` touches: a Sanic release that moves one fails its test here."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sanic
from portable_endpoints_sanic import _compat
from portable_endpoints_sanic._compat import SanicApp
from sanic.compat import Header
from sanic.exceptions import MethodNotAllowed
from sanic.helpers import Default
from sanic.response import HTTPResponse, text
from sanic.server.websockets.connection import WebSocketConnection

from portable_endpoints.testing import TestClient
from portable_endpoints.websockets import WebSocketDisconnect

pytestmark = pytest.mark.anyio

_names = itertools.count(1)


def plain_sanic() -> SanicApp:
    app = sanic.Sanic(f"compat_{next(_names)}")
    app.config.TOUCHUP = False
    return app


async def test_asgi_transport_and_channel_are_the_servers_own() -> None:
    app = plain_sanic()
    seen: dict[str, Any] = {}

    @app.post("/", stream=True)
    async def handler(request: sanic.Request) -> HTTPResponse:
        seen["scope"] = _compat.asgi_transport(request).scope
        receive, _ = _compat.channel(request)
        seen["message"] = await receive()
        return text("ok")

    async with TestClient(app) as client:
        assert (await client.post("/", content=b"raw")).text == "ok"
    assert seen["scope"]["type"] == "http"
    assert seen["message"]["body"] == b"raw"


async def test_websocket_connection_is_sanics_unaccepted_asgi_websocket() -> None:
    app = plain_sanic()
    seen: list[object] = []

    async def handler(request: sanic.Request) -> None:
        seen.append(_compat.websocket_connection(request))
        _, send = _compat.channel(request)
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4002, "reason": "bye"})

    _compat.answers_on_channel(handler)
    app.add_route(handler, "/ws", name="ws")
    async with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            await ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (4002, "bye")
    assert isinstance(seen[0], WebSocketConnection)


async def test_answers_on_channel_lets_a_handler_return_none() -> None:
    app = plain_sanic()

    async def handler(request: sanic.Request) -> None:
        await (await request.respond(HTTPResponse("direct"))).send(end_stream=True)

    _compat.answers_on_channel(handler)
    app.add_route(handler, "/", name="direct")
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "direct"


async def test_route_around_catch_all_and_sanic_methods() -> None:
    app = plain_sanic()
    assert {"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"} == _compat.sanic_methods(app)

    @app.get("/native")
    async def native(request: sanic.Request) -> HTTPResponse:
        return text("native")

    @app.route("/fallback", methods=["GET"], name="fallback")
    async def fallback(request: sanic.Request) -> HTTPResponse:
        return text(f"fallback {request.method}")

    @app.get("/<rest:path>", name="catch_all")
    async def catch_all(request: sanic.Request, rest: str = "") -> HTTPResponse:
        return text(f"catch-all {rest}".strip())

    _compat.route_around_catch_all(app, lambda method: method == "QUERY", f"{app.name}.catch_all")
    async with TestClient(app) as client:
        assert (await client.request("QUERY", "/native")).text == "catch-all"  # resolved without params
        assert (await client.get("/native/")).text == "native"  # Sanic's own slash leniency kept
        assert (await client.get("/fallback")).text == "fallback GET"
        assert (await client.get("/other/")).text == "catch-all other/"
        assert (await client.post("/native")).status_code == 405  # not claimed: Sanic's own 405
        assert (await client.get("/native")).text == "native"
    with pytest.raises(MethodNotAllowed):
        app.router.get("/native", "POST", None)


async def test_router_finalized_and_start_without_lifespan() -> None:
    app = plain_sanic()

    @app.get("/")
    async def index(request: sanic.Request) -> HTTPResponse:
        return text("started")

    assert not _compat.router_finalized(app)
    await _compat.start_without_lifespan(app)
    assert _compat.router_finalized(app)
    assert app.asgi
    async with TestClient(app, lifespan=False) as client:
        assert (await client.get("/")).text == "started"


async def test_lifespan_again_runs_the_listeners_of_a_started_app() -> None:
    app = plain_sanic()
    events: list[str] = []

    @app.before_server_start
    async def before(app: SanicApp) -> None:
        events.append("before start")

    @app.after_server_start
    async def after(app: SanicApp) -> None:
        events.append("after start")

    @app.after_server_stop
    async def stopped(app: SanicApp) -> None:
        events.append("after stop")

    @app.get("/")
    async def index(request: sanic.Request) -> HTTPResponse:
        return text("again")

    async with TestClient(app) as client:
        assert (await client.get("/")).text == "again"
    assert events == ["before start", "after start", "after stop"]
    # Sanic's own lifespan cannot start the app twice; lifespan_again can.
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[Any] = []

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    await _compat.lifespan_again(app, {"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["before start", "after start", "after stop"] * 2


def test_skip_touchup_keeps_a_chosen_setting() -> None:
    app = sanic.Sanic(f"compat_{next(_names)}")
    assert isinstance(app.config.TOUCHUP, Default)
    _compat.skip_touchup(app)
    assert not isinstance(app.config.TOUCHUP, Default)
    assert not app.config.TOUCHUP
    chosen = sanic.Sanic(f"compat_{next(_names)}")
    chosen.config.TOUCHUP = True
    _compat.skip_touchup(chosen)
    assert chosen.config.TOUCHUP is True


async def test_websocket_failed_signals_as_sanic_does() -> None:
    app = plain_sanic()
    signalled: list[BaseException] = []

    @app.signal("websocket.handler.exception")
    async def on_exception(request: sanic.Request, websocket: Any, exception: BaseException) -> None:
        signalled.append(exception)

    async def handler(request: sanic.Request) -> None:
        _, send = _compat.channel(request)
        await send({"type": "websocket.close", "code": 1011, "reason": ""})
        await _compat.websocket_failed(request, RuntimeError("boom"))

    _compat.answers_on_channel(handler)
    app.add_route(handler, "/ws", name="ws")
    async with TestClient(app) as client:
        with pytest.raises(Exception):  # noqa: B017,PT011  # the client's own rejection error
            async with client.websocket_connect("/ws"):
                pass
    assert [str(exc) for exc in signalled] == ["boom"]


async def test_drop_unparsable_accept() -> None:
    app = plain_sanic()
    seen: list[str | None] = []

    @app.get("/")
    async def index(request: sanic.Request) -> HTTPResponse:
        _compat.drop_unparsable_accept(request)
        seen.append(request.headers.getone("accept", None))
        return text("ok")

    async with TestClient(app) as client:
        await client.get("/", headers={"accept": "\x01"})
        await client.get("/", headers={"accept": "text/html"})
    assert seen == [None, "text/html"]


async def test_auto_options_follows_sanic_extensions() -> None:
    from sanic_ext import Extend

    app = plain_sanic()
    assert not _compat.auto_options(app)
    Extend(app)
    assert _compat.auto_options(app)
    app.config.HTTP_AUTO_OPTIONS = False
    assert not _compat.auto_options(app)


def test_asgi_transport_refuses_sanics_own_server_clearly() -> None:
    app = plain_sanic()
    not_asgi: Any = object()  # what Sanic's own server gives: a transport with no ASGI channel
    request = sanic.Request(b"/", Header(), "1.1", "GET", not_asgi, app)
    with pytest.raises(RuntimeError, match="served in ASGI mode"):
        _compat.asgi_transport(request)


def test_init_response_sets_what_sanics_init_sets() -> None:
    # Every slot HTTPResponse.__init__ sets, and nothing else: a Sanic release adding one fails here.
    headers = Header([("x-one", "1"), ("x-one", "2")])
    response = HTTPResponse.__new__(HTTPResponse)
    _compat.init_response(response, 418, headers)
    sanics = HTTPResponse(status=418)
    slots = [name for cls in type(sanics).__mro__ for name in getattr(cls, "__slots__", ())]
    for name in slots:
        if name == "headers":
            continue
        assert getattr(response, name) == getattr(sanics, name), name
    assert response.headers is headers
