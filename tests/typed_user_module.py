"""A user's endpoint module, written only against the public API as a user would annotate it.

The typecheck session runs ``mypy --strict`` over it (it lives in ``tests/``) with no escape
hatch allowed (``tests/test_typed_user_module.py`` checks that), and serves every route on every
host, so what type-checks is also what runs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import portable_endpoints as pe
from portable_endpoints import status
from portable_endpoints.background import BackgroundTask
from portable_endpoints.datastructures import FormData, Headers, QueryParams, UploadFile
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.requests import Request
from portable_endpoints.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from portable_endpoints.routing import Mount, Route, WebSocketRoute
from portable_endpoints.websockets import WebSocket

JSONObject = dict[str, object]
audit: list[str] = []


def record(line: str) -> None:
    audit.append(line)


class User(HTTPEndpoint):
    """Typed path parameters: ``{user_id:int}`` arrives as an ``int``."""

    async def get(self, request: Request) -> Response:
        user_id: int = request.path_params["user_id"]
        verbose: bool = request.query_params.get("verbose", "") == "1"
        tags: list[str] = request.query_params.getlist("tag")
        agent: str | None = request.headers.get("user-agent")
        body: JSONObject = {"id": user_id + 1, "verbose": verbose, "tags": tags, "agent": agent is not None}
        return JSONResponse(body, background=BackgroundTask(record, f"user {user_id}"))

    async def put(self, request: Request) -> Response:
        payload: JSONObject = await request.json()
        name = payload.get("name")
        if not isinstance(name, str):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail="name must be a string")
        url: str = str(request.url_for("user", user_id=request.path_params["user_id"]))
        return JSONResponse({"name": name.title(), "url": url})


class Item(HTTPEndpoint):
    def get(self, request: Request) -> PlainTextResponse:  # a sync handler, run in a worker thread
        item_id: uuid.UUID = request.path_params["item_id"]
        return PlainTextResponse(item_id.hex)


class Upload(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        form: FormData = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            await form.close()
            return PlainTextResponse("no file", status_code=400)
        content: bytes = await upload.read()
        await form.close()
        return JSONResponse({"filename": upload.filename, "size": len(content)})


class Raw(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        body: bytes = await request.body()
        headers: Headers = request.headers
        query: QueryParams = request.query_params
        times = int(query.get("times", "1"))

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(times):
                yield body

        return StreamingResponse(chunks(), media_type=headers.get("content-type", "text/plain"))


class TextEcho(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(data.upper())


class BytesEcho(WebSocketEndpoint):
    encoding = "bytes"

    async def on_receive(self, websocket: WebSocket, data: bytes) -> None:
        await websocket.send_bytes(data[::-1])


class JSONEcho(WebSocketEndpoint):
    encoding = "json"

    async def on_receive(self, websocket: WebSocket, data: object) -> None:
        await websocket.send_json({"echo": data})


class RawEcho(WebSocketEndpoint):
    encoding = None

    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept(subprotocol=websocket.subprotocols[0] if websocket.subprotocols else None)

    async def on_receive(self, websocket: WebSocket, data: str | bytes) -> None:
        if isinstance(data, str):
            await websocket.send_text(data)
        else:
            await websocket.send_bytes(data)

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        record(f"raw closed {close_code}")


routes: list[Route | WebSocketRoute | Mount] = [
    Route("/users/{user_id:int}", User, name="user"),
    Route("/items/{item_id:uuid}", Item),
    Route("/upload", Upload),
    Route("/raw", Raw),
    Mount(
        "/ws",
        routes=[
            WebSocketRoute("/text", TextEcho),
            WebSocketRoute("/bytes", BytesEcho),
            WebSocketRoute("/json", JSONEcho),
            WebSocketRoute("/raw", RawEcho),
        ],
    ),
]


def build(framework: str) -> object:
    """The app on any host: the framework's own application object."""
    return pe.create_app(routes, framework=framework)
