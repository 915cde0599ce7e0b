"""The app ``create_app`` returns: Django's ASGI handler for HTTP, a Channels router for WebSocket.

``PortableDjangoApp`` routes by protocol, as a Channels ``ProtocolTypeRouter`` would:

- ``http``: a Django ``ASGIHandler`` whose requests resolve against the app's own URLconf (an
  object with ``urlpatterns``, passed as ``request.urlconf``), never ``ROOT_URLCONF``: settings are
  process-wide, and several apps in one process must each serve their own routes. Its middleware
  chain is ``MIDDLEWARE`` as given to ``create_app``, else ``settings.MIDDLEWARE``.
- ``websocket``: a Channels ``URLRouter``; a path no route matches is rejected (403) rather than
  raising, as on every other host.
- ``lifespan``: answered (startup and shutdown complete), since Django speaks none.

``__call__`` runs ``asgi_app`` (``serve``, or the middleware ``create_app`` wrapped around it, as
Quart's ``app.asgi_app``), so the app stays this object; ``state`` is Starlette's ``app.state``.

With ``redirect_slashes`` (``create_app``'s default, as ``Starlette()``), the URLconf's 404 handler
first redirects (307, query string kept) to the slash-toggled twin of a path no route matched, when
that twin matches a portable route; any other 404 goes to the app's own ``handler404``, else Django's.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from portable_endpoints.datastructures import State
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.responses import RedirectResponse
from portable_endpoints.routing import AppRoutes, Route, RouteTable, path_below_root, slash_twin_url, toggled_slash
from portable_endpoints.types import ASGIApp, Receive, Scope, Send
from portable_endpoints_django._compat import (
    ASGIHandler,
    Resolver404,
    URLPattern,
    URLRouter,
    has_exception_middleware,
    load_middleware,
    read_body,
)
from portable_endpoints_django._limits import BodyLimited, BodyLimits
from portable_endpoints_django._responses import PROCESS_EXCEPTION, PortableHttpResponse
from portable_endpoints_django._routes import below_root_path, build_routes, indexed
from portable_endpoints_django._settings import ensure_configured, split_options

ERROR_HANDLERS = ("handler400", "handler403", "handler404", "handler500")
OWN_OPTIONS = ("urlpatterns", "websocket_urlpatterns", "csrf_exempt", *ERROR_HANDLERS)


class URLConf:
    """A URLconf as an object: Django accepts anything with ``urlpatterns`` (and ``handler404``...)."""

    def __init__(self, urlpatterns: list[Any], handlers: dict[str, Any]) -> None:
        self.urlpatterns = urlpatterns
        for name, handler in handlers.items():
            setattr(self, name, handler)

    def __repr__(self) -> str:
        return f"URLConf({self.urlpatterns!r})"


class PortableASGIHandler(ASGIHandler):
    """Django's ASGI handler, resolving every request against one app's URLconf."""

    def __init__(self, urlconf: URLConf, middleware: Sequence[str] | None) -> None:
        # Not ASGIHandler.__init__: it would build the middleware chain from the settings.
        load_middleware(self, None if middleware is None else list(middleware))
        self.urlconf = urlconf
        self._has_exception_middleware = has_exception_middleware(self)

    async def get_response_async(self, request: Any) -> Any:
        request.urlconf = self.urlconf
        # Routed on the path below root_path by Starlette's rule, as on every host: Django 6.1 strips a
        # root_path's trailing slash first (/sub_path/ is "/" below /sub_path/, not ""), 5.2 does not.
        request.path_info = path_below_root(request.scope)
        if self._has_exception_middleware:
            # A portable HTTPException reaches the middleware's process_exception first (_responses).
            setattr(request, PROCESS_EXCEPTION, self.process_exception_by_middleware)
        return await super().get_response_async(request)

    async def read_body(self, receive: Any) -> Any:
        return await read_body(self, receive)


class PortableDjangoApp:
    """An ASGI application serving portable routes on Django (HTTP) and Channels (WebSocket)."""

    def __init__(self, table: RouteTable, options: dict[str, Any]) -> None:
        settings, own = split_options(options)
        unknown = sorted(set(own) - set(OWN_OPTIONS))
        if unknown:
            raise ConfigurationError(
                f"Unknown option(s) {', '.join(unknown)} for the django host; it takes Django settings "
                f"(UPPER_CASE, e.g. DEBUG=True, MIDDLEWARE=[...]) and {', '.join(OWN_OPTIONS)}"
            )
        ensure_configured(settings)
        self.csrf_exempt: bool = own.get("csrf_exempt", True)
        routes = build_routes(table, csrf_exempt=self.csrf_exempt)
        #: Django URL patterns: the portable routes, then the app's own (``urlpatterns=``)
        self.urlpatterns: list[Any] = [*routes.urlpatterns, *own.get("urlpatterns", ())]
        #: Channels routes: the portable WebSocket routes, then the app's own (``websocket_urlpatterns=``)
        self.websocket_urlpatterns: list[Any] = [*routes.websocket_urlpatterns, *own.get("websocket_urlpatterns", ())]
        self._handlers = {name: own[name] for name in ERROR_HANDLERS if name in own}
        self._tables = [table]
        #: Starlette's router across this app's tables (a method mismatch falls through to a later one)
        self._routes = AppRoutes()
        self._routes.include(table)
        if table.redirect_slashes:
            self._handlers["handler404"] = self._slash_redirect_handler(self._handlers.get("handler404"))
        self.http = PortableASGIHandler(URLConf(indexed(self.urlpatterns), self._handlers), settings.get("MIDDLEWARE"))
        self.body_limits = BodyLimits()
        self.body_limits.include(table)
        self.websocket = URLRouter(self.websocket_urlpatterns)
        #: Starlette's ``app.state``: an attribute bag for the application's own objects
        self.state = State()
        #: the ASGI entry ``__call__`` runs: ``serve``, or the middleware wrapped around it
        self.asgi_app: ASGIApp = self.serve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope.setdefault("app", self)
        await self.asgi_app(scope, receive, send)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one connection by protocol (``__call__`` runs this through any middleware)."""
        kind = scope["type"]
        if kind == "http":
            scope.setdefault("app", self)
            await self.body_limits.serve(self.http, scope, receive, send)  # type: ignore[arg-type]
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
        else:
            raise ValueError(f"No application configured for scope type {kind!r}")

    def include(self, table: RouteTable) -> None:
        """Serve ``table`` too, after everything already here (``pe.mount``)."""
        routes = build_routes(table, csrf_exempt=self.csrf_exempt)
        self.body_limits.include(table)
        self._tables.append(table)
        self._routes.include(table)
        self.urlpatterns.extend(routes.urlpatterns)
        self.websocket_urlpatterns.extend(routes.websocket_urlpatterns)
        # A new URLconf object: Django caches each URLconf's resolver (and its reverse lookups).
        self.http.urlconf = URLConf(indexed(self.urlpatterns), self._handlers)
        self.websocket = URLRouter(self.websocket_urlpatterns)

    def _slash_redirect_handler(self, own: Any) -> Any:
        """A ``handler404`` that answers Starlette's ``redirect_slashes`` before ``own`` (or Django's)."""

        def handler404(request: Any, exception: Exception) -> Any:
            scope = getattr(request, "scope", None)
            if scope is not None and self._twin_matches(scope):
                # The neutral RedirectResponse, as every host sends it: Starlette's headers exactly
                # (Content-Length: 0, the quoted Location, no Content-Type).
                redirect = RedirectResponse(slash_twin_url(scope))
                return PortableHttpResponse(redirect, redirect.body)
            if own:
                return own(request, exception)
            # Django's own, imported at the first not-found (its CSRF machinery comes with it), as
            # Django itself does: not a start-up cost.
            from django.views.defaults import page_not_found

            return page_not_found(request, exception)

        return handler404

    def _twin_matches(self, scope: Scope) -> bool:
        path = path_below_root(scope)
        if scope["type"] != "http" or path == "/":
            return False
        twin = toggled_slash(path)
        return any(
            route.compiled.match(twin) is not None
            for table in self._tables
            for route in table
            if isinstance(route, Route)
        )

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("app", self)
        # As a nested router: Channels then routes on the path below root_path in every version,
        # and raises Resolver404 (not ValueError) when nothing matches.
        try:
            await self.websocket(dict(scope, path_remaining=below_root_path(scope)), receive, send)
        except Resolver404:
            await send({"type": "websocket.close", "code": 1000, "reason": ""})

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    def __repr__(self) -> str:
        return (
            f"PortableDjangoApp(urlpatterns={self.urlpatterns!r}, websocket_urlpatterns={self.websocket_urlpatterns!r})"
        )


def mount_on_protocol_router(app: Any, table: RouteTable) -> None:
    """Add ``table`` to a project's Channels ``ProtocolTypeRouter`` (its asgi.py ``application``).

    HTTP routes go into the URLconf of its ``"http"`` application: the handler's own ``urlconf``
    when it has one (a handler serving one URLconf per app), else the project's ``ROOT_URLCONF``.
    WebSocket routes go into the ``URLRouter`` of its ``"websocket"`` application, found through
    the Channels middleware wrapping it (``AuthMiddlewareStack(URLRouter(...))``).
    """
    from django.conf import settings
    from django.urls import clear_url_caches

    mapping = app.application_mapping
    routes = build_routes(table)
    if routes.urlpatterns:
        http = mapping.get("http")
        if http is None:
            raise ConfigurationError("This ProtocolTypeRouter has no 'http' application to add HTTP routes to")
        if not isinstance(http, BodyLimited):
            http = mapping["http"] = BodyLimited(http)
        http.body_limits.include(table)
        urlconf = getattr(http.app, "urlconf", None)
        if urlconf is None:
            urlconf = importlib.import_module(settings.ROOT_URLCONF)
        urlconf.urlpatterns.extend(routes.urlpatterns)
        clear_url_caches()  # Django caches each URLconf's resolver and reverse lookups
    if routes.websocket_urlpatterns:
        inner = mapping.get("websocket")
        while inner is not None and not isinstance(inner, URLRouter):
            inner = getattr(inner, "inner", None)  # Channels middleware keep what they wrap as .inner
        if inner is None:
            raise ConfigurationError(
                "This ProtocolTypeRouter has no Channels URLRouter under 'websocket' to add WebSocket routes to"
            )
        inner.routes.extend(routes.websocket_urlpatterns)


def mount_on_router(router: URLRouter, table: RouteTable) -> None:
    """Add ``table``'s WebSocket routes to a Channels ``URLRouter`` (HTTP routes go into urls.py)."""
    if table.http_routes:
        raise ConfigurationError(
            "A Channels URLRouter routes WebSockets only; add the HTTP routes to urls.py from "
            "pe.native_routes(routes, framework='django').urlpatterns"
        )
    patterns: list[URLPattern] = build_routes(table).websocket_urlpatterns
    router.routes.extend(patterns)
