"""The apps under test: one portable route set, and the idiomatic native equivalent on each host.

Every app serves the same four routes and answers with the same status, content type and body
bytes (``check_same_bytes`` in the driver verifies it before anything is timed):

- ``GET /plain``            -> ``Hello, world!`` as ``text/plain; charset=utf-8``
- ``GET /users/{id:int}``   -> ``Hello, user <id>`` (the path param converted to ``int`` and back)
- ``POST /echo``            -> the JSON body parsed and serialised again (compact, ``application/json``)
- ``POST /echo-fast``       -> the same; the portable side with ``json_codec="msgspec"``, the native
                               side with its usual JSON (the stdlib, or msgspec on Litestar)
- ``WS /ws``                -> every text message echoed back unchanged

A *comparison* pairs the portable app on a host with a native baseline on that host; a host
whose adapter is not installed is skipped, so each native app imports its framework inside. The
built-in ``asgi`` adapter has two baselines: Starlette's own ``HTTPEndpoint`` /
``WebSocketEndpoint`` on a Starlette app, and a hand-written raw ASGI app (the floor).
"""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.requests import Request
from portable_endpoints.responses import JSONResponse, PlainTextResponse
from portable_endpoints.routing import Route, WebSocketRoute
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send
from portable_endpoints.websockets import WebSocket

#: A JSON body whose compact serialisation is the same on every host: ASCII only, keys sorted
#: (Quart's provider sorts keys), floats that round-trip exactly.
JSON_PAYLOAD: dict[str, Any] = {
    "active": True,
    "id": 4217,
    "name": "portable-endpoints",
    "owner": {"email": "ada@example.org", "id": 7, "roles": ["admin", "dev"]},
    "score": 1.5,
    "tags": ["asgi", "bench", "http", "websocket"],
}
JSON_BODY = json.dumps(JSON_PAYLOAD, separators=(",", ":")).encode()
USER_ID = 4217
WS_MESSAGE = "ping " + "x" * 59  # a 64-byte text frame

# --------------------------------------------------------------------------------------------
# The portable endpoints: written once, mounted on every host.
# --------------------------------------------------------------------------------------------


class Plain(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")


class User(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"Hello, user {request.path_params['user_id']}")


class Echo(HTTPEndpoint):
    async def post(self, request: Request) -> JSONResponse:
        return JSONResponse(await request.json())


class WSEcho(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(data)


def portable_routes() -> list[Route | WebSocketRoute]:
    return [
        Route("/plain", Plain),
        Route("/users/{user_id:int}", User),
        Route("/echo", Echo),
        WebSocketRoute("/ws", WSEcho),
    ]


def portable_app(framework: str) -> ASGIApp:
    import portable_endpoints as pe

    if framework == "django":
        from bench.django_native import configure

        configure()  # the same settings as the native side (settings are process-wide)
    app: ASGIApp = pe.create_app(portable_routes(), framework=framework)
    pe.mount(app, [Route("/echo-fast", Echo, name="echo-fast")], json_codec="msgspec")
    return app


# --------------------------------------------------------------------------------------------
# Native baselines.
# --------------------------------------------------------------------------------------------


def starlette_functions_app() -> ASGIApp:
    """Starlette's most common idiom: function endpoints on ``Route`` / ``WebSocketRoute``."""
    from starlette.applications import Starlette
    from starlette.requests import Request as SRequest
    from starlette.responses import JSONResponse as SJSONResponse
    from starlette.responses import PlainTextResponse as SPlainTextResponse
    from starlette.routing import Route as SRoute
    from starlette.routing import WebSocketRoute as SWebSocketRoute
    from starlette.websockets import WebSocket as SWebSocket

    async def plain(request: SRequest) -> SPlainTextResponse:
        return SPlainTextResponse("Hello, world!")

    async def user(request: SRequest) -> SPlainTextResponse:
        return SPlainTextResponse(f"Hello, user {request.path_params['user_id']}")

    async def echo(request: SRequest) -> SJSONResponse:
        return SJSONResponse(await request.json())

    async def ws(websocket: SWebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    return Starlette(
        routes=[
            SRoute("/plain", plain),
            SRoute("/users/{user_id:int}", user),
            SRoute("/echo", echo, methods=["POST"]),
            SRoute("/echo-fast", echo, methods=["POST"]),
            SWebSocketRoute("/ws", ws),
        ]
    )


def starlette_endpoints_app() -> ASGIApp:
    """Starlette's own class-based endpoints, the API the portable classes mirror."""
    from starlette.applications import Starlette
    from starlette.endpoints import HTTPEndpoint as SHTTPEndpoint
    from starlette.endpoints import WebSocketEndpoint as SWebSocketEndpoint
    from starlette.requests import Request as SRequest
    from starlette.responses import JSONResponse as SJSONResponse
    from starlette.responses import PlainTextResponse as SPlainTextResponse
    from starlette.routing import Route as SRoute
    from starlette.routing import WebSocketRoute as SWebSocketRoute
    from starlette.websockets import WebSocket as SWebSocket

    class SPlain(SHTTPEndpoint):
        async def get(self, request: SRequest) -> SPlainTextResponse:
            return SPlainTextResponse("Hello, world!")

    class SUser(SHTTPEndpoint):
        async def get(self, request: SRequest) -> SPlainTextResponse:
            return SPlainTextResponse(f"Hello, user {request.path_params['user_id']}")

    class SEcho(SHTTPEndpoint):
        async def post(self, request: SRequest) -> SJSONResponse:
            return SJSONResponse(await request.json())

    class SWSEcho(SWebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: SWebSocket, data: Any) -> None:
            await websocket.send_text(data)

    return Starlette(
        routes=[
            SRoute("/plain", SPlain),
            SRoute("/users/{user_id:int}", SUser),
            SRoute("/echo", SEcho),
            SRoute("/echo-fast", SEcho),
            SWebSocketRoute("/ws", SWSEcho),
        ]
    )


def quart_app() -> ASGIApp:
    """Quart's idiom: ``@app.get`` / ``@app.post`` / ``@app.websocket`` on a ``Quart`` app."""
    from quart import Quart, Response, request, websocket

    app = Quart(__name__)

    @app.get("/plain")
    async def plain() -> Response:
        return Response("Hello, world!", mimetype="text/plain")

    @app.get("/users/<int:user_id>")
    async def user(user_id: int) -> Response:
        return Response(f"Hello, user {user_id}", mimetype="text/plain")

    @app.post("/echo")
    @app.post("/echo-fast", endpoint="echo_fast")
    async def echo() -> Response:
        # Not ``return data`` (jsonify): Quart's provider appends a newline and sorts keys, so the
        # bytes (and the work) would differ from the portable endpoint's compact JSON.
        data = await request.get_json()
        return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            data = await websocket.receive()
            await websocket.send(data)

    return cast(ASGIApp, app)


def litestar_app() -> ASGIApp:
    """Litestar's idiom: ``@get`` / ``@post`` handlers with typed params, a ``@websocket`` handler."""
    from litestar import Litestar, MediaType, get, post, websocket
    from litestar.exceptions import WebSocketDisconnect

    @get("/plain", media_type=MediaType.TEXT)
    async def plain() -> str:
        return "Hello, world!"

    @get("/users/{user_id:int}", media_type=MediaType.TEXT)
    async def user(user_id: int) -> str:
        return f"Hello, user {user_id}"

    @post(["/echo", "/echo-fast"], status_code=200)
    async def echo(data: dict[str, Any]) -> dict[str, Any]:
        return data

    @websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        try:
            while True:
                await socket.send_text(await socket.receive_text())
        except WebSocketDisconnect:
            pass

    return cast(ASGIApp, Litestar(route_handlers=[plain, user, echo, ws]))


def fastapi_app() -> ASGIApp:
    """FastAPI's idiom: path operations with a typed path param and a JSON body, a WebSocket route."""
    from fastapi import Body, FastAPI, WebSocketDisconnect
    from fastapi import WebSocket as FWebSocket
    from fastapi.responses import PlainTextResponse as FPlainTextResponse

    app = FastAPI()

    @app.get("/plain", response_class=FPlainTextResponse)
    async def plain() -> str:
        return "Hello, world!"

    @app.get("/users/{user_id}", response_class=FPlainTextResponse)
    async def user(user_id: int) -> str:
        return f"Hello, user {user_id}"

    @app.post("/echo")
    @app.post("/echo-fast")
    async def echo(data: dict[str, Any] = Body()) -> dict[str, Any]:  # noqa: B008 (FastAPI's idiom)
        return data

    async def ws(websocket: FWebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    # FastAPI resolves string annotations in the module's globals, where WebSocket is the portable one.
    ws.__annotations__["websocket"] = FWebSocket
    app.add_api_websocket_route("/ws", ws)
    return cast(ASGIApp, app)


def falcon_app() -> ASGIApp:
    """Falcon's idiom: resource classes with ``on_get`` / ``on_post`` responders (``resp.text``,
    ``resp.media``), the ``{user_id:int}`` converter, an ``on_websocket`` responder."""
    import falcon
    import falcon.asgi
    import falcon.media

    class Plain:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "Hello, world!"

    class User:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, user_id: int) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"Hello, user {user_id}"

    class Echo:
        async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = await req.get_media()

    class WSEcho:
        async def on_websocket(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket) -> None:
            await ws.accept()
            try:
                while True:
                    await ws.send_text(await ws.receive_text())
            except falcon.WebSocketDisconnected:
                pass

    app = falcon.asgi.App()
    # Falcon's documented way to choose its JSON: compact, as the portable JSONResponse writes it
    # (Falcon's default separators add a space after every comma and colon).
    compact = falcon.media.JSONHandler(dumps=functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":")))
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = compact
    echo = Echo()
    app.add_route("/plain", Plain())
    app.add_route("/users/{user_id:int}", User())
    app.add_route("/echo", echo)
    app.add_route("/echo-fast", echo)
    app.add_route("/ws", WSEcho())
    return cast(ASGIApp, app)


_SANIC_NAMES = itertools.count(1)


def sanic_app() -> ASGIApp:
    """Sanic's idiom: handlers on a ``Sanic`` app (``app.add_route``, as its ``@app.get`` / ``@app.post``
    / ``@app.websocket`` decorators do), ``text`` / ``json`` responses, in ASGI mode."""
    # Imported by name: Sanic may be absent where mypy checks the bench (its adapter is optional here).
    sanic: Any = importlib.import_module("sanic")
    response: Any = importlib.import_module("sanic.response")

    app = sanic.Sanic(f"bench_native_{next(_SANIC_NAMES)}")  # Sanic refuses a name twice per process
    # TouchUp rewrites Sanic's own server at startup, unused under an ASGI server; with it, the
    # portable and native apps could not both start in one process.
    app.config.TOUCHUP = False
    compact = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))

    # Handlers annotated with module-level names only: Sanic Extensions, when installed, resolves
    # handler annotations at startup, and names imported inside this function are not visible to it.
    async def plain(request: Any) -> Any:
        return response.text("Hello, world!")

    async def user(request: Any, user_id: int) -> Any:
        return response.text(f"Hello, user {user_id}")

    async def echo(request: Any) -> Any:
        return response.json(request.json, dumps=compact)

    async def ws(request: Any, socket: Any) -> None:
        while (data := await socket.recv()) is not None:
            await socket.send(data)

    app.add_route(plain, "/plain", methods=["GET"])
    app.add_route(user, "/users/<user_id:int>", methods=["GET"])
    app.add_route(echo, "/echo", methods=["POST"])
    app.add_route(echo, "/echo-fast", methods=["POST"], name="echo_fast")
    app.add_websocket_route(ws, "/ws")
    return cast(ASGIApp, app)


def sanic_views_app() -> ASGIApp:
    """Sanic's class-based idiom: ``HTTPMethodView`` classes (one method per verb, as an
    ``HTTPEndpoint``), ``text`` / ``json`` responses, in ASGI mode; the WebSocket as ``sanic_app``'s."""
    sanic: Any = importlib.import_module("sanic")
    response: Any = importlib.import_module("sanic.response")
    views: Any = importlib.import_module("sanic.views")

    app = sanic.Sanic(f"bench_views_{next(_SANIC_NAMES)}")
    app.config.TOUCHUP = False
    compact = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))

    class PlainView(views.HTTPMethodView):  # type: ignore[misc]
        async def get(self, request: Any) -> Any:
            return response.text("Hello, world!")

    class UserView(views.HTTPMethodView):  # type: ignore[misc]
        async def get(self, request: Any, user_id: int) -> Any:
            return response.text(f"Hello, user {user_id}")

    class EchoView(views.HTTPMethodView):  # type: ignore[misc]
        async def post(self, request: Any) -> Any:
            return response.json(request.json, dumps=compact)

    async def ws(request: Any, socket: Any) -> None:
        while (data := await socket.recv()) is not None:
            await socket.send(data)

    app.add_route(PlainView.as_view(), "/plain")
    app.add_route(UserView.as_view(), "/users/<user_id:int>")
    app.add_route(EchoView.as_view(), "/echo")
    app.add_route(EchoView.as_view(), "/echo-fast", name="echo_fast")
    app.add_websocket_route(ws, "/ws")
    return cast(ASGIApp, app)


_USER_PATH = re.compile(r"/users/([0-9]+)")
_TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON_HEADERS = [(b"content-type", b"application/json")]


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [*headers, (b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def raw_asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The floor: a hand-written ASGI app with the same routes, no framework, no abstractions."""
    kind = scope["type"]
    path = scope["path"]
    if kind == "http":
        method = scope["method"]
        if path == "/plain" and method == "GET":
            await _respond(send, 200, _TEXT_HEADERS, b"Hello, world!")
        elif (path == "/echo" or path == "/echo-fast") and method == "POST":
            body = json.dumps(json.loads(await _read_body(receive)), ensure_ascii=False, separators=(",", ":"))
            await _respond(send, 200, _JSON_HEADERS, body.encode())
        elif (found := _USER_PATH.fullmatch(path)) and method == "GET":
            await _respond(send, 200, _TEXT_HEADERS, f"Hello, user {int(found.group(1))}".encode())
        else:
            await _respond(send, 404, _TEXT_HEADERS, b"Not Found")
    elif kind == "websocket":
        if path != "/ws":
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message: Message = await receive()
            if message["type"] != "websocket.receive":
                return
            await send({"type": "websocket.send", "text": message["text"]})
    elif kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


def raw_app() -> ASGIApp:
    return raw_asgi_app


def django_app() -> ASGIApp:
    """Django's idiom: async views in urls.py, a Channels ``AsyncWebsocketConsumer`` in asgi.py."""
    from bench.django_native import django_app as build

    return build()


# --------------------------------------------------------------------------------------------
# Comparisons.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A portable app on ``host`` against a native ``baseline`` on the same host.

    Adding a host is one entry in ``COMPARISONS`` (its native app a function here), and, for the
    routing-scaling rows, one in ``bench.scaling.NATIVE``. A host whose adapter is not installed
    is skipped with a note (``available_hosts``), so an entry may precede its adapter.
    """

    key: str  #: unique, used on the command line of the server subprocess
    host: str  #: the adapter name (what ``--hosts`` selects, the ``framework=`` of ``pe.create_app``)
    baseline: str  #: a human description of the native side
    native: Callable[[], ASGIApp]
    #: the distributions whose versions RESULTS.md lists for this comparison (beside the adapter's)
    packages: tuple[str, ...] = ()

    def build(self, variant: str) -> ASGIApp:
        if variant == "portable":
            return portable_app(self.host)
        if variant == "native":
            return self.native()
        raise ValueError(f"variant must be 'portable' or 'native', not {variant!r}")


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("starlette", "starlette", "Starlette function endpoints", starlette_functions_app, ("starlette",)),
    Comparison("quart", "quart", "Quart @app.get/@app.post/@app.websocket", quart_app, ("quart",)),
    Comparison("litestar", "litestar", "Litestar @get/@post/@websocket handlers", litestar_app, ("litestar",)),
    Comparison("fastapi", "fastapi", "FastAPI @app.get/@app.post/@app.websocket", fastapi_app, ("fastapi",)),
    Comparison(
        "django",
        "django",
        "Django async views + Channels AsyncWebsocketConsumer",
        django_app,
        ("django", "channels"),
    ),
    Comparison(
        "falcon",
        "falcon",
        "Falcon on_get/on_post/on_websocket resources",
        falcon_app,
        ("falcon",),
    ),
    Comparison("sanic", "sanic", "Sanic @app.get/@app.post/@app.websocket (ASGI mode)", sanic_app, ("sanic",)),
    Comparison("sanic-views", "sanic", "Sanic HTTPMethodView classes (ASGI mode)", sanic_views_app, ("sanic",)),
    Comparison(
        "asgi-vs-starlette-endpoint",
        "asgi",
        "Starlette HTTPEndpoint/WebSocketEndpoint on Starlette",
        starlette_endpoints_app,
        ("starlette",),
    ),
    Comparison("asgi-vs-raw", "asgi", "hand-written raw ASGI app (floor)", raw_app),
)
#: every host, in the order of ``COMPARISONS``
HOSTS: tuple[str, ...] = tuple(dict.fromkeys(item.host for item in COMPARISONS))


def comparison(key: str) -> Comparison:
    for item in COMPARISONS:
        if item.key == key:
            return item
    raise KeyError(key)


def available_hosts() -> dict[str, str | None]:
    """Each host -> None when it can run here, else why not (the adapter or framework is missing)."""
    import portable_endpoints as pe

    infos = {info.name: info for info in pe.adapters()}
    status: dict[str, str | None] = {}
    for host in HOSTS:
        info = infos.get(host)
        if info is None:
            status[host] = "no adapter installed"
        elif not info.available:
            status[host] = info.problem or "adapter unavailable"
        else:
            try:
                # Loading the adapter imports its module: a half-written adapter shows up here.
                portable_app(host)
            except Exception as exc:
                status[host] = f"adapter fails to build an app: {type(exc).__name__}: {exc}"
            else:
                status[host] = None
    return status
