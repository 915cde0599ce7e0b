"""The ASGI wrapper installed once on every Quart app serving portable routes.

Quart documents ``app.asgi_app = middleware(app.asgi_app)`` as its middleware hook, so the app
stays a ``quart.Quart``. The wrapper does what Quart cannot be asked to do from a view:

- HTTP: run a neutral response's background task after the last body message has been sent,
  inside the ASGI call, as Starlette does (Quart's ``add_background_task`` starts it at once,
  its ``after_request`` hooks run before sending); after a client that left mid-response, by
  Starlette's rule for the server's spec version (``runs_background``); likewise finish a bridged
  ASGI response (the core's ``bridge_asgi_response``), or cancel it when the response was cut
  short; and end a body of declared length on its last chunk, as every other host does, for ASGI
  middleware around the app (``whole_body_send``);
- WebSocket: give every connection a ``Channel`` (``_channel``), through which Quart reads and
  writes as before until a portable view claims it.

A request whose path is not below its ``root_path`` is handed to Quart as a copy without one, so
Quart routes the whole path, as Starlette's router does (``routed_whole``).

Quart's ``raise_routing_exception``, which it calls only when routing failed, is wrapped too: an
HTTP request to a portable WebSocket path, or a WebSocket to a portable HTTP path, is a 404 as on
Starlette (werkzeug calls it a 400 ``WebsocketMismatch``), through the app's 404 handling; and on
an app from ``create_app`` (``redirect_slashes=True``), a path that matches no route but whose
slash-toggled twin matches a portable route is redirected there (307), as Starlette's router does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn

import quart
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect, WebsocketMismatch

from portable_endpoints.responses import RedirectResponse, runs_background
from portable_endpoints.routing import AppRoutes, Route, path_below_root, slash_twin_url, toggled_slash
from portable_endpoints.types import Message, Receive, Scope, Send
from portable_endpoints_quart import _compat
from portable_endpoints_quart._channel import CHANNEL, Channel
from portable_endpoints_quart._responses import BACKGROUND, BRIDGED, PortableResponse

if TYPE_CHECKING:
    from portable_endpoints.routing import RouteTable

#: Key of this adapter's state in ``app.extensions``.
EXTENSION = "portable_endpoints"
#: Attribute naming the route on the view function of a portable route.
PORTABLE_ROUTE = "portable_route"


def install(app: quart.Quart) -> None:
    """Wrap ``app.asgi_app``, once per app."""
    if EXTENSION in app.extensions:
        return
    inner: Any = app.asgi_app

    async def serve_http(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await inner(scope, receive, whole_body_send(send))
        finally:
            bridged = scope.get(BRIDGED)
            if bridged is not None:  # an ASGI response: its background, or its cancellation if cut short
                await bridged.finish()
        response = scope.get(BACKGROUND)
        if response is not None and response.background is not None and runs_background(response, scope):
            async with app.app_context():  # current_app works in the task, as in a view
                await response.background()

    def portable_asgi_app(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine itself: a WebSocket keeps no frame of the wrapper for its whole life.
        kind = scope["type"]
        if scope.get("root_path") and path_below_root(scope) == scope["path"]:
            scope = routed_whole(scope)
        if kind == "http":
            return serve_http(scope, receive, send)
        if kind == "websocket":
            channel = scope[CHANNEL] = Channel(receive, send)
            return inner(scope, channel.quart_receive, channel.quart_send)  # type: ignore[no-any-return]
        return inner(scope, receive, send)  # type: ignore[no-any-return]

    app.asgi_app = portable_asgi_app  # type: ignore[method-assign, assignment]

    def portable_routing_exception(raise_routing_exception: Callable[[Any], NoReturn], request: Any) -> NoReturn:
        # An HTTP request other than GET to a WebSocket-only path is werkzeug's 405, not a mismatch.
        mismatch = (WebsocketMismatch, MethodNotAllowed) if request.scope["type"] == "http" else WebsocketMismatch
        if isinstance(request.routing_exception, mismatch) and _portable_other_kind(app, request):
            raise NotFound()
        if isinstance(request.routing_exception, NotFound):
            raise not_found(request)
        raise_routing_exception(request)

    _compat.wrap_routing_exception(app, portable_routing_exception)
    app.extensions[EXTENSION] = _Installed()


def whole_body_send(send: Send) -> Send:
    """``send``, with a body of declared length ending on its last chunk, as on every other host.

    Quart sends every body as chunks marked ``more_body``, then an empty last message; ASGI
    middleware around the app would take any response for a stream (``GZipMiddleware`` would
    compress a small one). The chunk that completes the ``Content-Length`` is held until Quart's
    empty last message, and goes out in its place, marked last (Quart has finished its body
    iterator by then). Bodies of unknown length pass through untouched: streams are not held back.
    """
    remaining: int | None = None  # bytes the declared length still expects
    held: Message | None = None

    async def whole_body(message: Message) -> None:
        nonlocal remaining, held
        kind = message["type"]
        if kind == "http.response.start":
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-length" and value.isdigit():
                    remaining = int(value)
        elif kind == "http.response.body" and remaining is not None:
            more_body = message.get("more_body", False)
            if held is not None:
                last, held = held, None
                if not more_body and not message.get("body"):
                    await send({**last, "more_body": False})
                    return
                await send(last)
            elif more_body:
                remaining -= len(message.get("body", b""))
                if remaining <= 0:
                    held = message
                    return
        await send(message)

    return whole_body


#: Scope key of the ``root_path`` a request's path is not below (see ``routed_whole``).
UNROUTED_ROOT_PATH = "portable_endpoints.unrouted_root_path"


def routed_whole(scope: Scope) -> Scope:
    """A copy of ``scope`` whose path Quart routes whole, as Starlette's router does.

    For a path that is not below ``root_path`` (Starlette's TestClient sends ``/`` with
    ``root_path="/sub_path"``; ``/sub_path/x`` is not below ``/sub_path/``) Quart finds no route
    at all. The copy has no ``root_path`` for Quart to strip; ``url_for`` puts it back in front.
    """
    root = scope["root_path"]
    return {**scope, "root_path": "", "app_root_path": scope.get("app_root_path", root), UNROUTED_ROOT_PATH: root}


def _portable_other_kind(app: quart.Quart, request: Any) -> bool:
    """Whether a portable route of the other kind (HTTP or WebSocket) matches this path."""
    adapter = app.create_url_adapter(request)
    if adapter is None:
        return False
    try:
        websocket = request.scope["type"] != "websocket"
        if websocket:  # a path with an HTTP rule, for some method, is not WebSocket-only
            try:
                adapter.match(method="GET", return_rule=True, websocket=False)
            except WebsocketMismatch:
                pass
            except HTTPException:
                return isinstance(request.routing_exception, WebsocketMismatch)
            else:
                return False
        rule, _ = adapter.match(method="GET", return_rule=True, websocket=websocket)
    except HTTPException:
        return False
    return hasattr(app.view_functions.get(rule.endpoint), PORTABLE_ROUTE)


class SlashRedirect(RequestRedirect):
    """Starlette's ``redirect_slashes`` answer: 307 to the slash-toggled URL, with an empty body."""

    code = 307

    def get_response(self, *args: Any, **kwargs: Any) -> Any:
        location = RedirectResponse(self.new_url).headers["location"]
        raw = [(b"content-length", b"0"), (b"location", location.encode("latin-1"))]
        return PortableResponse(b"", 307, raw)


def not_found(request: Any) -> HTTPException:
    """What a request no route matched gets: a redirect to its slash-toggled twin, else 404."""
    if request.scope["type"] == "http":
        state = installed(quart.current_app)
        if state.redirect_slashes and state.twin_matches(request.scope):
            return SlashRedirect(slash_twin_url(request.scope))
    return NotFound()


class _Installed:
    """Marks an app whose ``asgi_app`` carries the wrapper; counts its portable blueprints and
    remembers its route tables, for ``redirect_slashes``."""

    def __init__(self) -> None:
        self.blueprints = 0
        #: set by ``create_app``: redirect unmatched paths whose slash-toggled twin matches
        self.redirect_slashes = False
        #: (table, blueprint, text prefix) for each registration of a portable table; the prefix is
        #: None when it holds werkzeug variables, which cannot be matched as text
        self.tables: list[tuple[RouteTable, str | None, str | None]] = []
        #: the tables ``create_app`` and ``pe.mount`` placed on the app itself, whose paths are the
        #: app's own: Starlette's router chooses among all of their routes in the order added
        self.placed = AppRoutes()

    def add(self, table: RouteTable, blueprint: str | None, url_prefix: str | None) -> None:
        prefix = (url_prefix or "").rstrip("/")
        self.tables.append((table, blueprint, None if "<" in prefix else prefix))

    def twin_matches(self, scope: Scope) -> bool:
        path = path_below_root(scope)
        if path == "/":
            return False
        twin = toggled_slash(path)
        for table, _, prefix in self.tables:
            if prefix is None or (prefix and not twin.startswith(prefix)):
                continue
            below = twin[len(prefix) :]
            if any(route.compiled.match(below) is not None for route in table if isinstance(route, Route)):
                return True
        return False

    def __repr__(self) -> str:
        return f"<portable-endpoints on Quart, {self.blueprints} route table(s)>"


def installed(app: quart.Quart) -> _Installed:
    """This adapter's state on ``app`` (``install`` must have run)."""
    state: _Installed = app.extensions[EXTENSION]
    return state


def blueprint_name(app: quart.Quart) -> str:
    """A free name for the next portable blueprint on ``app``: ``portable``, ``portable_2``..."""
    installed: Any = app.extensions[EXTENSION]
    installed.blueprints += 1
    name = "portable" if installed.blueprints == 1 else f"portable_{installed.blueprints}"
    while name in app.blueprints:
        installed.blueprints += 1
        name = f"portable_{installed.blueprints}"
    return name
