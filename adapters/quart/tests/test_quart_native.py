"""Quart-only facts: the app is Quart's, and Quart's own machinery reaches portable endpoints."""

from __future__ import annotations

from typing import Any, cast

import anyio
import pytest
import quart
from quart import Blueprint, Quart, g, session
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

import portable_endpoints as pe
from portable_endpoints import (
    HTTPEndpoint,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp

pytestmark = pytest.mark.anyio


def client_for(app: quart.Quart | quart.Blueprint, **options: Any) -> TestClient:
    # Quart types its ASGI interface with its own TypedDicts.
    return TestClient(cast(ASGIApp, app), **options)


class WhoAmI(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        native: quart.Request = request.native
        session["visits"] = session.get("visits", 0) + 1
        return JSONResponse(
            {
                "native": type(native).__name__,
                "user": request.state.user,
                "same_g": request.state is g._get_current_object(),
                "visits": session["visits"],
                "endpoint": native.endpoint,
            }
        )


async def test_create_app_is_a_quart_app_with_hooks_g_and_session() -> None:
    app = pe.create_app([Route("/me", WhoAmI)], framework="quart")
    assert isinstance(app, Quart)
    app.secret_key = "test-secret"

    async def who() -> None:
        g.user = quart.request.headers.get("x-user")

    app.before_request(who)

    async with client_for(app) as client:
        first = (await client.get("/me", headers={"x-user": "ada"})).json()
        second = (await client.get("/me")).json()
    assert first == {"native": "Request", "user": "ada", "same_g": True, "visits": 1, "endpoint": "WhoAmI"}
    assert second["visits"] == 2
    assert second["user"] is None


async def test_create_app_passes_options_to_quart() -> None:
    app = pe.create_app([Route("/me", WhoAmI)], framework="quart", import_name="myapp", template_folder="tpl")
    assert (app.import_name, app.template_folder) == ("myapp", "tpl")
    assert "static" not in app.view_functions  # no /static/<path:filename> next to the portable routes
    with_static = pe.create_app([Route("/me", WhoAmI)], framework="quart", static_folder="assets")
    assert "static" in with_static.view_functions


class Refuse(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise pe.HTTPException(418, "short and stout", headers={"x-pot": "tea"})

    async def put(self, request: Request) -> PlainTextResponse:
        raise pe.HTTPException(499, "client went away")


async def test_a_status_werkzeug_has_no_class_for_reaches_a_handler_of_werkzeugs_base_class() -> None:
    # Handlers by status code are the suite's (test_native.py); Quart takes none for a code
    # werkzeug does not know, so a handler for werkzeug's HTTPException must catch it.
    app = pe.create_app([Route("/", Refuse)], framework="quart")

    async def any_code(error: WerkzeugHTTPException) -> tuple[str, int]:
        return f"handled {error.code}: {error.description}", 299

    app.register_error_handler(WerkzeugHTTPException, any_code)
    async with client_for(app) as client:
        assert (await client.put("/")).text == "handled 499: client went away"
        assert (await client.get("/")).text == "handled 418: short and stout"


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "id": request.path_params["item_id"],
                "home": str(request.url_for("home")),
                "me": str(request.url_for("item", item_id=1)),
            }
        )


def existing_app() -> Quart:
    app = Quart(__name__)

    async def home() -> str:
        return quart.url_for("portable.item", item_id=5, _external=True)

    app.add_url_rule("/", "home", home)

    return app


async def test_mount_with_a_prefix_into_an_existing_app_and_resolve_names_both_ways() -> None:
    app = existing_app()
    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item")], prefix="/v1")
    async with client_for(app) as client:
        assert (await client.get("/")).text == "http://testserver/v1/items/5"
        assert (await client.get("/v1/items/9")).json() == {
            "id": 9,
            "home": "http://testserver/",
            "me": "http://testserver/v1/items/1",
        }
        assert (await client.get("/items/9")).status_code == 404


async def test_mount_twice_and_into_a_blueprint() -> None:
    app = existing_app()
    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item")], prefix="/v1")
    pe.mount(app, [Route("/items/{item_id:int}", Item, name="item")], prefix="/v2")
    nested = Blueprint("nested", __name__)
    pe.mount(nested, [Route("/items/{item_id:int}", Item, name="item")])
    app.register_blueprint(nested, url_prefix="/v3")
    async with client_for(app) as client:
        for version in ("v1", "v2", "v3"):
            assert (await client.get(f"/{version}/items/2")).json()["me"] == f"http://testserver/{version}/items/1"


async def test_native_routes_is_a_blueprint_the_user_registers_as_often_as_they_like() -> None:
    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"{type(websocket.native).__name__} {websocket.url_for('echo')}: {data}")

    blueprint = pe.native_routes(
        [Route("/items/{item_id:int}", Item, name="item"), WebSocketRoute("/ws", Echo, name="echo")], framework="quart"
    )
    assert isinstance(blueprint, Blueprint)
    app = existing_app()
    app.register_blueprint(blueprint, url_prefix="/api", name="portable")
    app.register_blueprint(blueprint, url_prefix="/again", name="again")
    async with client_for(app) as client:
        assert (await client.get("/")).text == "http://testserver/api/items/5"
        assert (await client.get("/again/items/3")).json()["me"] == "http://testserver/again/items/1"
        async with client.websocket_connect("/api/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "Websocket ws://testserver/api/ws: hi"


async def test_before_websocket_hooks_and_g_reach_every_websocket_callback() -> None:
    seen: list[Any] = []

    class Tagged(WebSocketEndpoint):
        encoding = "text"

        async def on_connect(self, websocket: WebSocket) -> None:
            seen.append(("connect", websocket.state.tag, quart.websocket.path))
            await websocket.accept()

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"{g.tag}: {data}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            seen.append(("disconnect", g.tag, close_code))

    app = pe.create_app([WebSocketRoute("/ws", Tagged)], framework="quart")

    async def tag() -> None:
        g.tag = "from-before_websocket"

    app.before_websocket(tag)

    async with client_for(app) as client:
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("hi")
            assert await ws.receive_text() == "from-before_websocket: hi"
            await ws.close(4001)
    assert seen == [("connect", "from-before_websocket", "/ws"), ("disconnect", "from-before_websocket", 4001)]


async def test_native_routes_on_the_same_app_keep_quarts_websocket_behaviour() -> None:
    app = pe.create_app([Route("/me", WhoAmI)], framework="quart")

    async def native() -> None:
        while True:
            data = await quart.websocket.receive()
            await quart.websocket.send(data)

    app.add_websocket("/native", "native", native)

    async with client_for(app) as client:
        async with client.websocket_connect("/native") as ws:
            await ws.send_text("text")
            assert await ws.receive_text() == "text"
            await ws.send_bytes(b"bytes")
            assert await ws.receive_bytes() == b"bytes"


async def test_quarts_own_test_client_drives_portable_routes() -> None:
    # Quart's client sends no websocket.connect and closes with a "websocket.close" message.
    codes: list[int] = []

    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"echo {data}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            codes.append(close_code)

    async def native() -> None:
        data = await quart.websocket.receive()
        await quart.websocket.send(f"native {data!s}")

    app = pe.create_app([Route("/me", WhoAmI), WebSocketRoute("/ws", Echo)], framework="quart")
    app.secret_key = "test-secret"
    app.before_request(lambda: setattr(g, "user", "ada"))
    app.add_websocket("/native", "native", native)
    client = app.test_client()
    response = await client.get("/me")
    assert (response.status_code, (await response.get_json())["user"]) == (200, "ada")
    assert (await client.delete("/me")).headers["allow"] == "GET, HEAD"
    # Quart's client lets a frame arrive before the handshake; Quart < 0.23 reads it at once.
    with anyio.fail_after(5):
        async with client.websocket("/ws") as ws:
            await ws.send("hi")
            assert await ws.receive() == "echo hi"
            await ws.close(4001)
        async with client.websocket("/native") as ws:
            await ws.send("hi")
            assert await ws.receive() == "native hi"
    assert codes == [4001]
