"""Every part of Sanic this adapter touches beyond its documented application API, in one place.

Each function here has a test in ``tests/test_sanic_compat.py``, so a Sanic release that moves
one of them fails that one named test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import sanic
from sanic.asgi import Lifespan
from sanic.compat import Header
from sanic.exceptions import InvalidHeader, MethodNotAllowed, NotFound
from sanic.headers import parse_accept
from sanic.helpers import Default
from sanic.models.asgi import MockTransport
from sanic.response import HTTPResponse
from sanic.router import Router
from sanic.server.websockets.connection import WebSocketConnection

from portable_endpoints.types import Receive, Send

#: Any Sanic app (Sanic is generic in its config and context types).
SanicApp = sanic.Sanic[Any, Any]
#: What ``Router.get`` answers: Sanic's route, its handler, and the path's parameters.
Resolved = tuple[Any, Callable[..., Any], dict[str, Any]]


def asgi_transport(request: sanic.Request) -> MockTransport:
    """The request's ASGI transport (``request.transport`` in ASGI mode): the server's own channel.

    Portable routes are served through Sanic's ASGI mode only: Sanic's own server hands a
    request no ASGI channel to read the body from and answer on.
    """
    transport = request.transport
    if not isinstance(transport, MockTransport):
        raise RuntimeError(
            "Portable routes on Sanic are served in ASGI mode (an ASGI server such as uvicorn running "
            "the Sanic app), not by Sanic's own server"
        )
    return transport


def channel(request: sanic.Request) -> tuple[Receive, Send]:
    """The server's ``receive`` and ``send`` under the request (``MockTransport.receive`` / ``.send``)."""
    transport = asgi_transport(request)
    # Sanic types the channel more narrowly than the core's plain mappings.
    return cast("Receive", transport.receive), cast("Send", transport.send)


def websocket_connection(request: sanic.Request) -> WebSocketConnection:
    """Sanic's ASGI WebSocket object of the connection, not yet accepted (what ``websocket.native`` is)."""
    return asgi_transport(request).get_websocket_connection()


def answers_on_channel(handler: Callable[..., Any]) -> None:
    """Mark ``handler`` as one that may answer on the ASGI channel itself and return ``None``.

    Sanic lets only WebSocket handlers (marked ``is_websocket``) return nothing; any other handler
    returning ``None`` without having called ``request.respond`` is a 500. A portable route returns
    nothing when it answered a WebSocket itself, or when its client left mid-body.
    """
    handler.is_websocket = True  # type: ignore[attr-defined]


def route_around_catch_all(app: SanicApp, claims: Callable[[str], bool], fallback: str) -> None:
    """Wrap the app's ``router.get`` (an instance attribute, looked up before the class's cached
    method) so that its catch-all route (named ``fallback``, the portable routes') changes no answer
    of its own routes, and answers what Sanic's router refuses:

    - Sanic's router registers only its own seven verbs (``Router.ALLOWED_METHODS``) and answers
      any other method (``QUERY``, an extension method) with its 405; a native route matching the
      path but not the method is a 405 too, before any later route is tried. Both resolve to the
      catch-all route when ``claims(method)``.
    - A path with a trailing slash that only the catch-all matches, whose slash-less twin is a
      native route without ``strict_slashes``, resolves to that route, as Sanic resolves it when
      nothing else matches the path.
    """
    router: Router = app.router
    resolve = router.get

    def get(path: str, method: str, host: str | None) -> Resolved:
        try:
            resolved = resolve(path, method, host)
        except MethodNotAllowed:
            if not claims(method):
                raise
            route = router.find_route_by_view_name(fallback)
            if route is None:
                raise
            return route, route.handler, {}
        if len(path) > 1 and path.endswith("/") and resolved[0].name == fallback:
            try:
                twin = resolve(path[:-1], method, host)
            except (NotFound, MethodNotAllowed):
                return resolved
            if twin[0].name != fallback and not twin[0].strict:
                return twin
        return resolved

    setattr(router, "get", get)  # noqa: B010


def sanic_methods(app: SanicApp) -> frozenset[str]:
    """The methods the app's router can register a route for (``Router.ALLOWED_METHODS``)."""
    return frozenset(str(method) for method in app.router.ALLOWED_METHODS)


def init_response(response: HTTPResponse, status: int, headers: Header | None, body: bytes = b"") -> None:
    """Set what ``HTTPResponse.__init__`` sets (its slots) on a response without a content type,
    ``headers`` as they are (``None``: a subclass that builds them when read): that ``__init__``
    builds two empty ``Header`` multidicts first."""
    response.asgi = False
    response.body = body
    response.content_type = None
    response.stream = None
    response.status = status
    if headers is not None:
        response.headers = headers
    response._cookies = None


def router_finalized(app: SanicApp) -> bool:
    """Whether the app's router has been finalised (``router.finalized``): Sanic does it at startup,
    after which no route can be added."""
    return bool(app.router.finalized)


async def websocket_failed(request: sanic.Request, exc: Exception) -> None:
    """What Sanic does with an exception its own WebSocket handler raised: log it
    (``app.error_handler.log``) and dispatch the ``websocket.handler.exception`` signal."""
    app = request.app
    app.error_handler.log(request, exc)
    await app.dispatch(
        "websocket.handler.exception",
        inline=True,
        context={"request": request, "websocket": websocket_connection(request), "exception": exc},
        reverse=True,
        fail_not_found=False,
    )


def skip_touchup(app: SanicApp) -> None:
    """Turn off Sanic's TouchUp for ``app`` unless its config chose (``config.TOUCHUP``).

    At startup Sanic rewrites its own HTTP server's methods in place (TouchUp), which serves
    nothing in ASGI mode, and a second app started in the same process then fails to start
    (Sanic re-reads the source of the rewritten method). ``create_app``'s apps are ASGI apps.
    """
    if isinstance(app.config.TOUCHUP, Default):
        app.config.TOUCHUP = False


async def start_without_lifespan(app: SanicApp) -> None:
    """Start ``app`` as Sanic's ASGI ``lifespan.startup`` does (``Lifespan.startup``: finalise the
    router and signals, run the ``before_server_start`` / ``after_server_start`` listeners), and
    mark it as running under ASGI (``app.asgi``), for a server that sends no lifespan events."""
    app.asgi = True
    await Lifespan(app, {}, _no_channel, _no_channel).startup()


class _Restart(Lifespan):
    """Sanic's ASGI lifespan for an app started before: its listeners only (``_startup``, which
    finalises the router, runs once per app: Sanic refuses to finalise it twice)."""

    async def startup(self) -> None:
        app: Any = self.sanic_app  # untyped in Sanic
        await app._server_event("init", "before")
        await app._server_event("init", "after")


async def lifespan_again(app: SanicApp, scope: Any, receive: Receive, send: Send) -> None:
    """Run the ASGI lifespan of ``app``, already started once (by an earlier lifespan or its first
    request), as Sanic's ``Lifespan`` does, its ``before_server_start`` / ``after_server_start`` /
    shutdown listeners included, without starting Sanic a second time."""
    app.asgi = True
    await _Restart(app, scope, receive, send)()


async def _no_channel(*_: Any) -> Any:
    raise RuntimeError("no lifespan channel: the app was started by its first request")


def drop_unparsable_accept(request: sanic.Request) -> None:
    """Remove an ``Accept`` header Sanic cannot parse from ``request.headers``, as if the client sent none.

    Sanic's error pages negotiate their format from ``request.accept``, which raises on such a
    header, and the error then becomes a 500 ("An error occurred while handling an error").
    """
    accept = request.headers.getone("accept", None)
    if accept is None:
        return
    try:
        parse_accept(accept)
    except InvalidHeader:
        del request.headers["accept"]


def auto_options(app: SanicApp) -> bool:
    """Whether Sanic Extensions answers ``OPTIONS`` for the app's own routes: the app is extended
    (``app._ext``, set by ``Extend(app)``, or at startup when sanic-ext is installed) with
    ``HTTP_AUTO_OPTIONS`` on (its default)."""
    return getattr(app, "_ext", None) is not None and bool(app.config.get("HTTP_AUTO_OPTIONS", False))
