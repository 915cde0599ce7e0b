"""A small Starlette notes site: templates, static files, sessions, middleware, lifespan, exception handlers.

The original that ``examples/notes.py`` was ported from by changing its imports (and the app
line: ``Starlette(...)`` becomes ``pe.create_app(...)``, done by ``portable-endpoints serve``).
``tests/test_ported_notes.py`` checks that nothing else differs.

uvicorn examples.notes_starlette:app
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    notes: list[str] = []  # stands in for a connection pool opened at startup
    yield {"notes": notes}
    notes.clear()


class Timing(BaseHTTPMiddleware):
    """Tags every response, as real apps' request-id or timing middleware do."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.served_by = "notes"
        response = await call_next(request)
        response.headers["x-served-by"] = request.state.served_by
        return response


class Home(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        request.session["visits"] = request.session.get("visits", 0) + 1
        flash = request.session.pop("flash", None)
        context = {"notes": request.state.notes, "visits": request.session["visits"], "flash": flash}
        return templates.TemplateResponse(request, "index.html", context)


class Notes(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        form = await request.form()
        text = str(form.get("text", "")).strip()
        if not text:
            raise HTTPException(400, detail="A note needs some text")
        request.state.notes.append(text)
        request.session["flash"] = f"Saved note {len(request.state.notes)}"
        return RedirectResponse(request.url_for("home"), status_code=303)


class Note(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        number = request.path_params["number"]
        notes = request.state.notes
        if not 1 <= number <= len(notes):
            raise HTTPException(404, detail=f"No note {number}")
        return JSONResponse({"number": number, "text": notes[number - 1]})


class Count(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_json({"notes": len(websocket.state.notes), "echo": data})


async def not_found(request: Request, exc: Exception) -> Response:
    detail = getattr(exc, "detail", "Not Found")
    return templates.TemplateResponse(request, "404.html", {"detail": detail}, status_code=404)


routes = [
    Route("/", Home, name="home"),
    Route("/notes", Notes, name="notes"),
    Route("/notes/{number:int}", Note, name="note"),
    WebSocketRoute("/ws", Count, name="count"),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
]
middleware = [
    Middleware(SessionMiddleware, secret_key="notes-example-secret"),
    Middleware(GZipMiddleware, minimum_size=500),
    Middleware(Timing),
]
exception_handlers = {404: not_found}

app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers=exception_handlers)
