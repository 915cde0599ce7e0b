"""The portable endpoints the project composes: written once, as for any host."""

from __future__ import annotations

from typing import Any

from portable_endpoints import (
    HTTPEndpoint,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Request,
    Route,
    WebSocket,
    WebSocketEndpoint,
    WebSocketRoute,
)


class User(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        request.session["visits"] = request.session.get("visits", 0) + 1  # type: ignore[attr-defined]
        return JSONResponse(
            {
                "name": request.path_params["name"],
                "url": str(request.url_for("user", name="grace")),
                "visits": request.session["visits"],  # type: ignore[attr-defined]
            }
        )


class Form(HTTPEndpoint):
    async def post(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("accepted " + (await request.body()).decode())


class Missing(HTTPEndpoint):
    async def get(self, request: Request) -> PlainTextResponse:
        raise HTTPException(404, detail="gone")


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(f"session {websocket.session.__class__.__module__}")  # type: ignore[attr-defined]

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        room = websocket.path_params["room"]
        await websocket.send_text(f"{room + 1}:{data}:{websocket.url_for('echo', room=room)}")


routes = [Route("/users/{name}", User, name="user"), Route("/form", Form), Route("/missing", Missing)]
websocket_routes = [WebSocketRoute("/echo/{room:int}", Echo, name="echo")]
