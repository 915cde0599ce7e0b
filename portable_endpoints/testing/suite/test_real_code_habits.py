"""What real Starlette code does with its endpoints, on every host and every composition.

Ad-hoc attributes on ``request`` / ``websocket``; ``except json.JSONDecodeError`` around
``await request.json()`` and ``websocket.receive_json()``; ``self.scope`` / ``self.receive`` /
``self.send`` on an endpoint. Each is a change of imports only when porting from Starlette.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    Route,
    WebSocket,
    WebSocketDisconnect,
    WebSocketEndpoint,
    WebSocketRoute,
)
from portable_endpoints.testing import TestClient
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio

CODECS = ("stdlib", "msgspec", "orjson")


def compositions(host: Host) -> list[str]:
    """Every way ``host`` can serve routes (``native_routes`` needs its native kit: test_native checks its absence)."""
    return [c for c in COMPOSITIONS if c != "native_routes" or host.native_kit is not None]


# -- ad-hoc attributes ------------------------------------------------------------------------------


def remember_page(request: Request, page_id: int) -> None:
    request.page_id = page_id  # type: ignore[attr-defined]


class Page(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        remember_page(request, int(request.query_params.get("page", "1")))
        request.seen_by = ["get"]  # type: ignore[attr-defined]
        return self.render(request)

    def render(self, request: Request) -> Response:
        request.seen_by.append("render")  # type: ignore[attr-defined]
        return JSONResponse({"page": request.page_id, "seen_by": request.seen_by})  # type: ignore[attr-defined]


async def page_function(request: Request) -> Response:
    request.page_id = 7  # type: ignore[attr-defined]
    return PlainTextResponse(f"page {request.page_id} {vars(request)}")  # type: ignore[attr-defined]


class Greeter(WebSocketEndpoint):
    encoding = "text"

    async def on_connect(self, websocket: WebSocket) -> None:
        websocket.user_name = websocket.query_params.get("name", "anonymous")  # type: ignore[attr-defined]
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(f"{websocket.user_name}: {data}")  # type: ignore[attr-defined]


async def greet_function(websocket: WebSocket) -> None:
    websocket.greeting = "hi"  # type: ignore[attr-defined]
    await websocket.accept()
    await websocket.send_text(f"{websocket.greeting} {await websocket.receive_text()}")  # type: ignore[attr-defined]
    await websocket.close()


HABIT_ROUTES = [
    Route("/page", Page),
    Route("/page-function", page_function),
    WebSocketRoute("/greet", Greeter),
    WebSocketRoute("/greet-function", greet_function),
]


async def test_request_and_websocket_take_ad_hoc_attributes(pe_host: Host) -> None:
    for composition in compositions(pe_host):
        await ad_hoc_attributes(pe_host.build(HABIT_ROUTES, composition, prefix="/app"))


async def ad_hoc_attributes(app: Any) -> None:
    async with TestClient(app) as client:
        response = await client.get("/app/page?page=3")
        assert response.json() == {"page": 3, "seen_by": ["get", "render"]}
        assert (await client.get("/app/page-function")).text == "page 7 {'page_id': 7}"
        async with client.websocket_connect("/app/greet?name=ada") as ws:
            await ws.send_text("hello")
            assert await ws.receive_text() == "ada: hello"
            await ws.send_text("again")
            assert await ws.receive_text() == "ada: again"
        async with client.websocket_connect("/app/greet-function") as ws:
            await ws.send_text("there")
            assert await ws.receive_text() == "hi there"


async def test_an_ad_hoc_attribute_lives_for_one_request(pe_host: Host) -> None:
    class Counter(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            request.hits = getattr(request, "hits", 0) + 1  # type: ignore[attr-defined]
            return PlainTextResponse(str(request.hits))  # type: ignore[attr-defined]

    async with pe_host.client([Route("/", Counter)]) as client:
        assert [(await client.get("/")).text for _ in range(3)] == ["1", "1", "1"]


# -- malformed JSON: except json.JSONDecodeError ----------------------------------------------------


class Parse(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        catch = request.query_params.get("catch")
        if catch == "none":
            return JSONResponse({"value": await request.json()})
        caught: type[Exception] = json.JSONDecodeError if catch == "JSONDecodeError" else ValueError
        try:
            value = await request.json()
        except caught as exc:
            # What real code does with it: str(exc) and the position, in its own answer.
            position = {"pos": exc.pos, "lineno": exc.lineno} if isinstance(exc, json.JSONDecodeError) else None
            return JSONResponse({"error": str(exc), "position": position}, status_code=422)
        return JSONResponse({"value": value})


class Refuse(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        raise HTTPException(400, request.query_params["detail"])


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("catch", ["JSONDecodeError", "ValueError"])
async def test_except_json_decode_error_catches_a_malformed_body(pe_host: Host, codec: str, catch: str) -> None:
    async with TestClient(pe_host.app([Route("/", Parse)], json_codec=codec)) as client:
        response = await client.post(f"/?catch={catch}", content=b'{"a": 1,\n "b": }')
        assert response.status_code == 422
        caught = response.json()
        assert caught["position"] == {"pos": 15, "lineno": 2}, codec
        if codec == "stdlib":
            # Starlette's json.loads message, exactly.
            assert caught["error"] == "Expecting value: line 2 column 7 (char 15)"
        for body in (b"", b"{not json", b'{"a": "\xff"}'):
            response = await client.post(f"/?catch={catch}", content=body)
            assert response.status_code == 422, (codec, body, response.text)
        assert (await client.post(f"/?catch={catch}", content=b'{"a": [1]}')).json() == {"value": {"a": [1]}}


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("body", [b"{not json", b"", b'{"a": "\xff"}'])
async def test_an_uncaught_malformed_body_is_the_hosts_usual_400(pe_host: Host, codec: str, body: bytes) -> None:
    from portable_endpoints._json import get_codec

    try:
        get_codec(codec).loads(body)
    except ValueError as exc:
        detail = f"Malformed JSON body: {exc}"
    app = pe_host.app([Route("/parse", Parse), Route("/refuse", Refuse)], json_codec=codec)
    async with TestClient(app) as client:
        uncaught = await client.post("/parse?catch=none", content=body)
        raised = await client.post("/refuse", params={"detail": detail})
    # The same answer as an endpoint raising HTTPException(400, detail) itself: the host's own 400.
    assert uncaught.status_code == 400
    assert uncaught.headers.get("content-type") == raised.headers.get("content-type")
    assert uncaught.content == raised.content


class JSONChat(WebSocketEndpoint):
    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        for _ in range(2):
            try:
                data = await websocket.receive_json()
            except json.JSONDecodeError as exc:
                await websocket.send_json({"error": "bad json", "isValueError": isinstance(exc, ValueError)})
            else:
                await websocket.send_json({"echo": data})
        await websocket.close()


async def json_chat_function(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        try:
            data = await websocket.receive_json(mode="binary")
        except json.JSONDecodeError:
            await websocket.send_json({"error": "bad json"})
            continue
        except WebSocketDisconnect:
            return
        await websocket.send_json({"echo": data})


@pytest.mark.parametrize("codec", CODECS)
async def test_except_json_decode_error_around_receive_json_keeps_the_connection(pe_host: Host, codec: str) -> None:
    routes = [WebSocketRoute("/class", JSONChat), WebSocketRoute("/function", json_chat_function)]
    async with TestClient(pe_host.app(routes, json_codec=codec)) as client:
        async with client.websocket_connect("/class") as ws:
            await ws.send_text("{not json")
            assert await ws.receive_json() == {"error": "bad json", "isValueError": True}
            await ws.send_text('{"a": 1}')
            assert await ws.receive_json() == {"echo": {"a": 1}}
        async with client.websocket_connect("/function") as ws:
            for frame in (b"{not json", b'{"a": "\xff"}'):
                await ws.send_bytes(frame)
                assert await ws.receive_json() == {"error": "bad json"}
            await ws.send_bytes(b"[1]")
            assert await ws.receive_json() == {"echo": [1]}


@pytest.mark.parametrize("codec", CODECS)
async def test_an_uncaught_malformed_message_closes_1003(pe_host: Host, codec: str) -> None:
    disconnects: list[int] = []
    done = anyio.Event()

    class Handshake(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_json({"hello": await websocket.receive_json()})

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            disconnects.append(close_code)
            done.set()

    async def iterate(websocket: WebSocket) -> None:
        await websocket.accept()
        async for data in websocket.iter_json():
            await websocket.send_json(data)

    routes = [WebSocketRoute("/class", Handshake), WebSocketRoute("/function", iterate)]
    async with TestClient(pe_host.app(routes, json_codec=codec), raise_app_exceptions=False) as client:
        for path in ("/class", "/function"):
            async with client.websocket_connect(path) as ws:
                await ws.send_text("{not json")
                with pytest.raises(WebSocketDisconnect) as closed:
                    await ws.receive()
                assert (closed.value.code, closed.value.reason) == (1003, "Malformed JSON data received."), path
    with anyio.fail_after(5):
        await done.wait()
    assert disconnects == [1003]


# -- the endpoint's own scope, receive and send -----------------------------------------------------


class Introspect(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return JSONResponse(
            {
                "scope_is_request_scope": self.scope is request.scope,
                "type": self.scope["type"],
                "method": self.scope["method"],
                "path": self.scope["path"],
                "receive_is_request_receive": self.receive is request.receive,
                "send_is_request_send": self.send is request.send,
                "callable": [callable(self.receive), callable(self.send), callable(request.receive)],
            }
        )


class IntrospectSocket(WebSocketEndpoint):
    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "scope_is_websocket_scope": self.scope is websocket.scope,
                "type": self.scope["type"],
                "path": self.scope["path"],
                "callable": [callable(self.receive), callable(self.send)],
            }
        )
        await websocket.close()


async def test_endpoint_scope_receive_and_send(pe_host: Host) -> None:
    routes = [Route("/item/{item_id:int}", Introspect), WebSocketRoute("/ws/{room}", IntrospectSocket)]
    for composition in compositions(pe_host):
        await endpoint_attributes(pe_host.build(routes, composition, prefix="/app"))


async def endpoint_attributes(app: Any) -> None:
    async with TestClient(app) as client:
        assert (await client.get("/app/item/5")).json() == {
            "scope_is_request_scope": True,
            "type": "http",
            "method": "GET",
            "path": "/app/item/5",
            "receive_is_request_receive": True,
            "send_is_request_send": True,
            "callable": [True, True, True],
        }
        async with client.websocket_connect("/app/ws/lobby") as ws:
            assert await ws.receive_json() == {
                "scope_is_websocket_scope": True,
                "type": "websocket",
                "path": "/app/ws/lobby",
                "callable": [True, True],
            }
