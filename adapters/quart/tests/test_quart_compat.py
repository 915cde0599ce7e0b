"""One test per Quart / werkzeug internal the adapter touches (``_compat``)."""

from __future__ import annotations

import inspect
from typing import Any, cast

import pytest
import quart
from portable_endpoints_quart import _compat
from werkzeug.datastructures import Headers
from werkzeug.exceptions import NotFound

from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp
from portable_endpoints.websockets import WebSocketDisconnect

pytestmark = pytest.mark.anyio


async def test_current_objects_are_quarts_own() -> None:
    app = quart.Quart(__name__)
    seen: dict[str, Any] = {}

    @app.get("/")
    async def view() -> str:
        seen["request"] = _compat.current_request()
        seen["g"] = _compat.current_g()
        return "ok"

    @app.websocket("/ws")
    async def socket() -> None:
        seen["websocket"] = _compat.current_websocket()
        await quart.websocket.accept()
        await quart.websocket.close(1000)

    async with TestClient(cast(ASGIApp, app)) as client:
        assert (await client.get("/")).text == "ok"
        async with client.websocket_connect("/ws") as ws:
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()
    assert type(seen["request"]) is quart.Request
    assert type(seen["g"]).__name__ == "_AppCtxGlobals"
    assert isinstance(seen["websocket"], quart.Websocket)


async def test_g_shares_a_state_dict_both_ways() -> None:
    app = quart.Quart(__name__)
    state = {"user": "ada"}

    @app.get("/")
    async def view() -> str:
        quart.g.before = "hook"
        g = _compat.current_g()
        _compat.share_g(g, state)
        quart.g.after = "view"
        return f"{quart.g.user} {g.before}"

    async with TestClient(cast(ASGIApp, app)) as client:
        assert (await client.get("/")).text == "ada hook"
    assert state == {"user": "ada", "before": "hook", "after": "view"}


def test_header_list_is_set_as_given() -> None:
    headers = Headers()
    _compat.set_header_list(headers, [("set-cookie", "a=1"), ("set-cookie", "b=2")])
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]


async def test_body_limit_is_the_apps_when_the_request_was_made() -> None:
    app = quart.Quart(__name__)
    seen = []

    @app.post("/")
    async def view() -> str:
        seen.append(_compat.body_limit(quart.request._get_current_object()))
        return "ok"

    async with TestClient(cast(ASGIApp, app)) as client:
        assert (await client.post("/", content=b"x")).text == "ok"
        app.config["MAX_CONTENT_LENGTH"] = 1234
        assert (await client.post("/", content=b"x")).text == "ok"
        app.config["MAX_CONTENT_LENGTH"] = None
        assert (await client.post("/", content=b"x")).text == "ok"
    assert seen == [16 * 1024 * 1024, 1234, None]


@pytest.mark.parametrize("code", [200, 201, 204, 404, 418, 499, 599, 999])
def test_status_is_set_as_werkzeugs_setter_does(code: int) -> None:
    ours, theirs = quart.Response(), quart.Response()
    _compat.set_status(ours, code)
    _compat.set_status(ours, code)  # the second time from the cache
    theirs.status = code
    assert (ours.status, ours.status_code) == (theirs.status, theirs.status_code)


async def test_body_completeness_is_visible() -> None:
    app = quart.Quart(__name__)
    seen = []

    @app.post("/")
    async def view() -> str:
        body = quart.request.body
        seen.append(_compat.body_complete(body))
        await quart.request.get_data()
        seen.append(_compat.body_complete(body))
        return "ok"

    async with TestClient(cast(ASGIApp, app)) as client:
        await client.post("/", content=b"x")
    assert seen[-1] is True


def test_client_gone_is_an_exception_class() -> None:
    assert issubclass(_compat.CLIENT_GONE, Exception)


async def test_routing_exceptions_can_be_wrapped() -> None:
    app = quart.Quart(__name__)
    calls = []

    def wrapper(original: Any, request: Any) -> Any:
        calls.append(type(request.routing_exception))
        original(request)

    _compat.wrap_routing_exception(app, wrapper)
    async with TestClient(cast(ASGIApp, app)) as client:
        assert (await client.get("/nowhere")).status_code == 404
    assert calls == [NotFound]


@pytest.mark.anyio
async def test_as_async_generator_gives_quart_an_async_generator_of_the_same_chunks() -> None:
    class Chunks:
        def __init__(self) -> None:
            self.left = [b"a", b"b"]

        def __aiter__(self) -> Chunks:
            return self

        async def __anext__(self) -> bytes:
            if not self.left:
                raise StopAsyncIteration
            return self.left.pop(0)

    generated = _compat.as_async_generator(Chunks())
    assert inspect.isasyncgen(generated)
    assert [chunk async for chunk in generated] == [b"a", b"b"]
