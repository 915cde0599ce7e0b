"""Route declarations (``Route``, ``WebSocketRoute``, ``Mount``) and Starlette's path syntax.

Everything per route is computed here, once, when the route is declared: the path regex and
convertors, and the route's ``Dispatcher`` (verb table, ``Allow`` value). Adapters only translate these.

Matching is Starlette's router, written once for every adapter:

- ``path_below_root(scope)`` is the path a route is matched against (Starlette's ``get_route_path``);
- ``first_match(routes, path, method)`` takes the first route matching path *and* method, else the
  first matching the path only (a *partial* match, which answers 405 with its ``Allow``);
- ``slash_redirect(routes, scope)`` is the slash-toggled URL Starlette's ``redirect_slashes`` would
  send a client to, when no route matches;
- ``enter_mount(scope, route, path)`` gives the endpoint the ``root_path`` Starlette's ``Mount`` would.

End of path: a route's pattern must match the whole path, to its last character. Starlette's regexes
end in ``$``, which also matches before a final newline, so Starlette routes ``/i/5%0A`` to
``/i/{i:int}``; here that request is a 404 on every host, and a ``str`` parameter keeps the newline.
"""

from __future__ import annotations

import contextlib
import copy
import re
import sys
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from portable_endpoints._concurrency import is_async_callable
from portable_endpoints._dispatch import EVERY_METHOD, HTTP_METHODS, Dispatcher, run_endpoint
from portable_endpoints._handlers import ExceptionHandlers
from portable_endpoints._handover import catch_http_errors, start_app
from portable_endpoints._json import JSONCodec, get_codec
from portable_endpoints.convertors import CONVERTOR_TYPES, PARAM_SIGNATURES, Convertor, direct_convert
from portable_endpoints.datastructures import URLPath
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.exceptions import ConfigurationError, HTTPException, NoMatchFound, WebSocketException
from portable_endpoints.middleware import is_middleware, wrap

if sys.version_info >= (3, 11):
    from typing import Self
else:
    from typing_extensions import Self

if TYPE_CHECKING:
    from portable_endpoints.requests import Request
    from portable_endpoints.types import ASGIApp, Receive, Scope, Send
    from portable_endpoints.websockets import WebSocket

PARAM_REGEX = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")


class PathParam(NamedTuple):
    """One ``{name:kind}`` of a route path, as ``CompiledPath.parts`` gives it."""

    name: str
    kind: str
    convertor: Convertor[Any]


#: A piece of a parsed route path: literal text, or a parameter.
PathPart = str | PathParam


#: convertor regexes that compiled once: checked when a path that uses one is declared
_VALID_REGEXES: set[str] = set()


class CompiledPath:
    """A Starlette path: ``/files/{name}.{ext}`` -> regex, format string and convertors.

    With ``prefix=True`` the regex matches the path's beginning only (a ``Mount`` prefix).

    The path is parsed (and checked) when declared; its regex is compiled on its first match, so a
    route that is never requested (or is matched by another router: Django's, werkzeug's) costs
    no compilation, and an app with more routes than ``re``'s cache holds compiles each once.
    """

    __slots__ = (
        "_converts",
        "_format",
        "_literal",
        "_parts",
        "_prefix",
        "_regex",
        "_spans",
        "convertors",
        "param_kinds",
        "path",
    )

    def __init__(self, path: str, *, prefix: bool = False) -> None:
        if not path.startswith("/"):
            raise ConfigurationError(f"Route path {path!r} must start with '/'")
        self.path = path
        self._prefix = prefix
        self._regex: re.Pattern[str] | None = None
        self._parts: tuple[PathPart, ...] | None = None
        self._format: str | None = None
        #: the parameters' (start, end) in ``path``, once ``_param_spans`` found them
        self._spans: list[tuple[int, int]] | None
        if "{" not in path:
            self._spans = []
            self.convertors: dict[str, Convertor[Any]] = {}
            self._converts: tuple[tuple[str, Callable[[str], Any]], ...] = ()
            self._literal = not prefix
            self.param_kinds: tuple[tuple[str, str], ...] = ()
            return
        self._spans = None
        # Paths with the same parameters (names and convertors) share what is made from them: an
        # app's many ``{id:int}`` routes hold one set, and building each costs a lookup.
        # findall (C) rather than a generator over finditer: a third of this constructor's time.
        signature: tuple[tuple[str, str], ...] = tuple(PARAM_REGEX.findall(path))
        shared = PARAM_SIGNATURES.get(signature)
        if shared is None:
            shared = PARAM_SIGNATURES[signature] = self._parse_params(path, signature)
        self.convertors, self._converts, self.param_kinds = shared
        #: a whole path without parameters matches one string only: compared, not searched
        self._literal = not self.convertors and not prefix

    @staticmethod
    def _parse_params(
        path: str, signature: tuple[tuple[str, str], ...]
    ) -> tuple[dict[str, Convertor[Any]], tuple[tuple[str, Callable[[str], Any]], ...], tuple[tuple[str, str], ...]]:
        """The convertors, converters and kinds of the parameters ``signature`` lists (``(name,
        ":kind" or "")`` per parameter of ``path``, in order); a clear error for bad ones."""
        convertors: dict[str, Convertor[Any]] = {}
        kinds: list[tuple[str, str]] = []
        converts: list[tuple[str, Callable[[str], Any]]] = []
        duplicated: set[str] = set()
        for name, written in signature:
            kind = written[1:] if written else "str"
            convertor = CONVERTOR_TYPES.get(kind)
            if convertor is None:
                known = ", ".join(sorted(CONVERTOR_TYPES))
                raise ConfigurationError(f"Unknown path convertor {kind!r} in {path!r} (known: {known})")
            if name in convertors:
                duplicated.add(name)
                continue
            if convertor.regex not in _VALID_REGEXES:
                # The path's regex waits for its first match, but a broken convertor fails here, as
                # Starlette's compile_path fails when the route is declared.
                re.compile(convertor.regex)
                _VALID_REGEXES.add(convertor.regex)
            convertors[name] = convertor
            kinds.append((name, kind))
            converts.append((name, direct_convert(convertor)))
        if duplicated:
            # As Starlette: every duplicated name, sorted, in one message.
            ending = "s" if len(duplicated) > 1 else ""
            raise ConfigurationError(f"Duplicated param name{ending} {', '.join(sorted(duplicated))} at path {path}")
        return convertors, tuple(converts), tuple(kinds)

    @property
    def _param_spans(self) -> list[tuple[int, int]]:
        """Where each parameter sits in ``path``: ``parts``, ``format`` and ``regex`` are made from
        these (found again when first asked for, rather than kept by every path)."""
        spans = self._spans
        if spans is None:
            spans = self._spans = [match.span() for match in PARAM_REGEX.finditer(self.path)]
        return spans

    @property
    def parts(self) -> tuple[PathPart, ...]:
        """The path parsed, for adapters that translate it: literal text and ``PathParam``s in order."""
        parts = self._parts
        if parts is None:
            path, idx = self.path, 0
            found: list[PathPart] = []
            for (start, end), (name, kind) in zip(self._param_spans, self.param_kinds, strict=True):
                if start > idx:
                    found.append(path[idx:start])
                found.append(PathParam(name, kind, self.convertors[name]))
                idx = end
            if idx < len(path):
                found.append(path[idx:])
            parts = self._parts = tuple(found)
        return parts

    @property
    def head(self) -> str:
        """The literal text before the first parameter (the whole path when it has none)."""
        return self.path[: self._param_spans[0][0]] if self.convertors else self.path

    @property
    def format(self) -> str:
        """The path with each parameter written ``{name}`` (``str.format``-like; ``render`` fills it)."""
        path_format = self._format
        if path_format is None:
            path_format = self._format = "".join(
                "{" + part.name + "}" if isinstance(part, PathParam) else part for part in self.parts
            )
        return path_format

    @property
    def pattern(self) -> str:
        """The source of ``regex``: named groups per parameter, anchored at both ends (at the start
        only for a prefix). Written without compiling it, for a router that compiles it itself."""
        pattern = "".join(
            f"(?P<{part.name}>{part.convertor.regex})" if isinstance(part, PathParam) else re.escape(part)
            for part in self.parts
        )
        # \Z, not $: "$" would also match before a trailing newline (see the module docstring).
        return "^" + pattern + ("" if self._prefix else r"\Z")

    @property
    def regex(self) -> re.Pattern[str]:
        """``pattern`` compiled, on first use."""
        regex = self._regex
        if regex is None:
            regex = self._regex = re.compile(self.pattern)
        return regex

    @property
    def converts(self) -> tuple[tuple[str, Callable[[str], Any]], ...]:
        """``(param name, str -> value)`` per parameter, in path order: what ``match`` converts with."""
        return self._converts

    @property
    def segments(self) -> list[tuple[PathPart, ...]]:
        """``parts`` split at each ``/`` of the literal text: one tuple per path segment (the first is empty)."""
        segments: list[list[PathPart]] = [[]]
        for part in self.parts:
            if isinstance(part, PathParam):
                segments[-1].append(part)
                continue
            first, *rest = part.split("/")
            if first:
                segments[-1].append(first)
            for piece in rest:
                segments.append([piece] if piece else [])
        return [tuple(segment) for segment in segments]

    def template(self, param: Callable[[PathParam], str], literal: Callable[[str], str] = str) -> str:
        """The path in another router's syntax: each parameter written by ``param``, text by ``literal``."""
        return "".join(param(part) if isinstance(part, PathParam) else literal(part) for part in self.parts)

    def match(self, path: str) -> dict[str, Any] | None:
        """The converted path params when ``path`` matches exactly as on Starlette, else None."""
        if self._literal:
            return {} if path == self.path else None
        regex = self._regex
        found = (self.regex if regex is None else regex).match(path)
        if found is None:
            return None
        group = found.group
        return {name: convert(group(name)) for name, convert in self._converts}

    def render(self, params: dict[str, Any]) -> str | None:
        """The path for ``params``; None when they are not exactly this path's, or a convertor refuses one."""
        if params.keys() != self.convertors.keys():
            return None
        path = self.format
        for key, value in params.items():
            try:
                text = self.convertors[key].to_string(value)
            except (ValueError, TypeError, AssertionError):
                return None
            path = path.replace("{" + key + "}", text)
        return path


def _name_of(endpoint: Any) -> str:
    return str(getattr(endpoint, "__name__", type(endpoint).__name__))


class BaseRoute:
    path: str
    name: str
    compiled: CompiledPath
    #: what ``url_for`` builds for the route: an ``http`` or a ``websocket`` URL, as Starlette's ``URLPath``
    protocol: str = "http"
    #: the path of the ``Mount`` routes this route was declared in, joined ("" outside any)
    mount_path: str = ""
    #: ``mount_path`` compiled as a prefix, to find the text it matched (None outside any Mount)
    mount_compiled: CompiledPath | None = None

    def _with_middleware(self, middleware: Sequence[Any]) -> Self:
        """A copy of this route served inside ``middleware`` (a ``Mount``'s, around the route's own)."""
        raise NotImplementedError

    def url_params(self, path_params: dict[str, Any]) -> dict[str, Any]:
        """The params ``url_for`` renders this route's path with (a ``Mount(app=...)`` route strips
        the leading ``/`` of ``path``, as Starlette does)."""
        return path_params

    def _rebased(self, prefix: str, name_prefix: str, mount_path: str) -> Self:
        """A copy under ``prefix``, named ``name_prefix + name`` (what flattening a Mount makes).

        ``mount_path`` is the part of ``prefix`` that comes from ``Mount`` routes (the rest is a
        ``pe.mount`` prefix, below the app's own root path rather than a Mount's).
        """
        route = copy.copy(self)
        route.path = prefix + self.path
        route.name = name_prefix + self.name
        route.compiled = CompiledPath(route.path)
        if mount_path:
            route.mount_path = mount_path
            route.mount_compiled = CompiledPath(prefix, prefix=True)
        return route


class Route(BaseRoute):
    """An HTTP route to an ``HTTPEndpoint`` subclass, or to a ``request -> response`` callable.

    An ``HTTPEndpoint`` that overrides ``dispatch()`` answers every method itself (``FOO`` too),
    through ``self.send``, as in Starlette. ``middleware``: ``Middleware(cls, ...)`` entries (Starlette's
    too), first outermost, around this route's endpoint, which then runs as an ASGI app.
    ``max_body_size``: a larger request body is a 413 (the endpoint's own smaller limit still applies).
    """

    def __init__(
        self,
        path: str,
        endpoint: type[HTTPEndpoint] | Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Any] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        self.path, self.endpoint, self.include_in_schema = path, endpoint, include_in_schema
        self.name = _name_of(endpoint) if name is None else name
        self.compiled = CompiledPath(path)
        if isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
            if methods is not None:
                raise ConfigurationError(
                    f"Route({path!r}): methods= applies to function endpoints; "
                    f"{endpoint.__name__} serves the verbs it defines"
                )
            if endpoint.dispatch is HTTPEndpoint.dispatch:
                self.dispatcher = Dispatcher(endpoint, name=self.name)
            else:
                # Starlette's contract for an overridden dispatch(): the endpoint, instantiated with
                # the ASGI triple, answers every method (FOO too) itself through self.send.
                self.dispatcher = Dispatcher(
                    _DispatchingEndpoint(endpoint),
                    methods=HTTP_METHODS,
                    name=self.name,
                    max_body_size=endpoint.max_body_size,
                    any_method=True,
                )
        elif isinstance(endpoint, type) and issubclass(endpoint, WebSocketEndpoint):
            raise ConfigurationError(f"Route({path!r}): {endpoint.__name__} is a WebSocketEndpoint; use WebSocketRoute")
        elif callable(endpoint) and not isinstance(endpoint, type):
            self.dispatcher = Dispatcher(endpoint, methods=methods, name=self.name)
        else:
            raise ConfigurationError(
                f"Route({path!r}): endpoint must be an HTTPEndpoint subclass or a callable "
                f"taking a request, got {endpoint!r}"
            )
        if middleware:
            self.dispatcher = _dispatcher_in_middleware(
                self.dispatcher, _checked_middleware(f"Route({path!r})", middleware)
            )
        if max_body_size is not None:
            self.dispatcher = self.dispatcher.limited(_checked_limit(f"Route({path!r})", max_body_size))
        dispatcher = self.dispatcher
        #: the verbs served, in Starlette's order, and the ``Allow`` value of a 405
        self.methods: tuple[str, ...] = dispatcher.methods
        #: the methods this route matches fully (every method, for an overridden ``dispatch()``);
        #: any other method is a partial match (405)
        self.method_set = dispatcher.method_set
        self.allow = dispatcher.allow

    def _with_middleware(self, middleware: Sequence[Any]) -> Route:
        route = copy.copy(self)
        route.dispatcher = _dispatcher_in_middleware(self.dispatcher, middleware)
        return route

    @property
    def max_body_size(self) -> int | None:
        """The most body bytes a request to this route may bring (413 past it); ``None``: no limit but the host's."""
        return self.dispatcher.max_body_size

    def _limited(self, max_body_size: int | None) -> Route:
        """This route with an app's default body limit applied (the endpoint's own wins when smaller)."""
        dispatcher = self.dispatcher.limited(max_body_size)
        if dispatcher is self.dispatcher:
            return self
        route = copy.copy(self)
        route.dispatcher = dispatcher
        return route

    @property
    def description(self) -> str | None:
        """The endpoint's docstring, for hosts that publish an API schema."""
        doc = getattr(self.endpoint, "__doc__", None)
        return doc.strip() if doc else None

    def __repr__(self) -> str:
        return f"Route(path={self.path!r}, name={self.name!r}, methods={list(self.methods)!r})"


class WebSocketRoute(BaseRoute):
    """A WebSocket route to a ``WebSocketEndpoint`` subclass, or to an ``async (websocket)`` callable.

    ``middleware``: ``Middleware(cls, ...)`` entries around the session, which they see as ASGI messages.
    """

    protocol = "websocket"
    #: the endpoint's whole life on one connection, which every adapter awaits
    session: Callable[[WebSocket[Any]], Coroutine[Any, Any, None]]

    def __init__(
        self,
        path: str,
        endpoint: type[WebSocketEndpoint] | Callable[..., Any],
        *,
        name: str | None = None,
        middleware: Sequence[Any] | None = None,
    ) -> None:
        self.path, self.endpoint = path, endpoint
        self._declare(path, endpoint, name)
        if middleware:
            self.session = _session_in_middleware(
                self.session, _checked_middleware(f"WebSocketRoute({path!r})", middleware)
            )

    def _with_middleware(self, middleware: Sequence[Any]) -> WebSocketRoute:
        route = copy.copy(self)
        route.session = _session_in_middleware(self.session, middleware)
        return route

    def _declare(self, path: str, endpoint: Any, name: str | None) -> None:
        self.name = _name_of(endpoint) if name is None else name
        self.compiled = CompiledPath(path)
        if isinstance(endpoint, type) and issubclass(endpoint, WebSocketEndpoint):
            cls = endpoint
            if cls.dispatch is not WebSocketEndpoint.dispatch:
                self.session = _dispatching_session(cls)
                return

            def session(websocket: WebSocket[Any]) -> Coroutine[Any, Any, None]:
                # Not a coroutine itself: the endpoint's session is the only frame kept per connection.
                # The endpoint gets the connection's ASGI receive and send, as Starlette's does (and no
                # bound methods are made per connection).
                return cls(websocket.scope, websocket._receive, websocket._send).session(websocket)

            self.session = session
        elif isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
            raise ConfigurationError(f"WebSocketRoute({path!r}): {endpoint.__name__} is an HTTPEndpoint; use Route")
        elif is_async_callable(endpoint) and not isinstance(endpoint, type):
            function = endpoint

            async def function_session(websocket: WebSocket[Any]) -> None:
                try:
                    await function(websocket)
                except WebSocketException as exc:
                    # As a Starlette app's exception middleware: close with the exception's code.
                    await websocket.abort(exc.code, exc.reason)
                finally:
                    # What websocket.subscribe() started ends with the session, as in WebSocketEndpoint.
                    await websocket._stop_forwarding()

            self.session = function_session
        else:
            raise ConfigurationError(
                f"WebSocketRoute({path!r}): endpoint must be a WebSocketEndpoint subclass or an async "
                f"callable taking a websocket, got {endpoint!r}"
            )

    def __repr__(self) -> str:
        return f"WebSocketRoute(path={self.path!r}, name={self.name!r})"


class Mount(BaseRoute):
    """A group of routes, or any ASGI application, under a path prefix, as Starlette's ``Mount``.

    ``Mount(path, routes=[...])``: names inside become ``"mount:name"``; the prefix may hold path
    parameters (``Mount("/{org}/users", ...)``), which reach the inner endpoints' ``path_params``,
    and ``url_for`` of an inner route needs them too. The routes may also come as the second
    positional argument.

    ``Mount(path, app=ASGI_APP, name=...)``: the app (a Starlette app, ``StaticFiles``, any
    ``async def app(scope, receive, send)``) serves every HTTP method and WebSocket below
    ``path + "/"``, seeing Starlette's scope: ``root_path`` extended by the matched prefix,
    ``path`` unchanged, the prefix's params in ``path_params``. ``url_for(name, path=...)`` gives
    the URL of a path inside it.

    ``middleware``: ``Middleware(cls, ...)`` entries (Starlette's too) around each of the mount's
    routes, outside their own, or around its app. ``max_body_size``: a larger request body is a
    413 (the routes' own smaller limits still apply).
    """

    def __init__(
        self,
        path: str,
        app: ASGIApp | Sequence[BaseRoute] | None = None,
        routes: Sequence[BaseRoute] | None = None,
        name: str | None = None,
        *,
        middleware: Sequence[Any] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        if path and not path.startswith("/"):
            raise ConfigurationError(f"Mount path {path!r} must be empty or start with '/'")
        #: the most body bytes a request to the mount's routes (or app) may bring: 413 past it
        self.max_body_size = _checked_limit(f"Mount({path!r})", max_body_size)
        #: middleware around every route of the mount (around the app, for ``app=``), outermost first
        self.middleware = _checked_middleware(f"Mount({path!r})", middleware)
        if routes is None and isinstance(app, Sequence):  # Mount(path, [routes]): routes given positionally
            app, routes = None, app
        if (app is None) == (routes is None):
            raise ConfigurationError(f"Mount({path!r}): give either app=... (an ASGI app) or routes=[...], not both")
        if app is not None and not callable(app):
            raise ConfigurationError(f"Mount({path!r}, app={app!r}): app must be an ASGI application")
        self.path = path.rstrip("/")
        if self.path:
            CompiledPath(self.path, prefix=True)  # unknown convertors and duplicates fail here, as in Starlette
        #: the mounted ASGI app, or None for a Mount of routes
        self.app: ASGIApp | None = app
        self.routes: list[BaseRoute] = list(routes or ())
        self.name = name or ""
        if app is not None:
            CompiledPath(self.path + "/{path:path}")  # a prefix param named "path" fails here

    def __repr__(self) -> str:
        if self.app is not None:
            return f"Mount(path={self.path!r}, name={self.name!r}, app={self.app!r})"
        return f"Mount(path={self.path!r}, name={self.name!r}, routes={self.routes!r})"


class _DispatchingEndpoint:
    """The function endpoint of an ``HTTPEndpoint`` whose ``dispatch()`` is overridden: it answers
    with an ASGI app that runs the endpoint as Starlette does, ``await Endpoint(scope, receive, send)``."""

    __slots__ = ("__name__", "endpoint")

    def __init__(self, endpoint: type[HTTPEndpoint]) -> None:
        self.endpoint = endpoint
        self.__name__ = endpoint.__name__

    async def __call__(self, request: Request[Any]) -> ASGIApp:
        return await start_app(_EndpointApp(self.endpoint, request), _request_scope(request), request)


def _request_scope(request: Request[Any]) -> Scope:
    """The request's scope as a Starlette app below the route sees it: the path as the client sent
    it (some hosts normalise ``scope["path"]``) and the route's converted ``path_params``."""
    scope = request.scope
    path = request.path
    if path != scope["path"]:
        scope = {**scope, "path": path}
    scope["path_params"] = request.path_params
    return scope


class _EndpointApp:
    """One request to an ``HTTPEndpoint`` with its own ``dispatch()``, as an ASGI app (``start_app``
    runs it: an ``HTTPException`` raised before it answers reaches the app's exception handlers)."""

    __slots__ = ("endpoint", "request")

    def __init__(self, endpoint: type[HTTPEndpoint], request: Request[Any]) -> None:
        self.endpoint = endpoint
        self.request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        instance = self.endpoint(scope, receive, send)
        instance._pe_route_table = self.request.route_table
        await instance.dispatch()


def _dispatching_session(cls: type[WebSocketEndpoint]) -> Callable[[WebSocket[Any]], Coroutine[Any, Any, None]]:
    """The session of a ``WebSocketEndpoint`` whose ``dispatch()`` is overridden: the endpoint runs as
    Starlette runs it, over the connection's messages (through the neutral websocket, so the host
    knows where the connection stands); ``super().dispatch()`` continues on that websocket."""

    def session(websocket: WebSocket[Any]) -> Coroutine[Any, Any, None]:
        websocket.scope["path_params"] = websocket.path_params  # as Starlette's router leaves it
        endpoint = cls(websocket.scope, websocket.receive, websocket.send)
        endpoint._pe_websocket = websocket
        return endpoint.dispatch()

    return session


def _mount_scope(scope: Scope, path: str, params: dict[str, Any]) -> Scope:
    """Starlette's child scope of a Mount (``enter_mount`` has extended ``root_path``): the path as
    the client sent it, the prefix's params without the remainder (``path``)."""
    child = dict(scope)
    child["path"] = path
    child["path_params"] = {name: value for name, value in params.items() if name != "path"}
    child.setdefault("app_root_path", scope.get("root_path", ""))
    return child


class _MountedAppEndpoint:
    """The function endpoint of a ``Mount(app=...)``'s HTTP route: the app runs until it answers
    (``start_app``), so an HTTP error it raises first is the route's, as an endpoint's; its scope is
    marked so that ``StaticFiles`` raises its errors rather than answering them."""

    __slots__ = ("__name__", "app")

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.__name__ = name

    async def __call__(self, request: Request[Any]) -> ASGIApp:
        scope = _mount_scope(request.scope, request.path, request.path_params)
        catch_http_errors(scope)
        return await start_app(self.app, scope, request)


class _MountedRoute(Route):
    """The HTTP route of a ``Mount(app=...)``: every method below the prefix, as Starlette's ``Mount``
    (``FOO`` too: the app answers it)."""

    def __init__(self, path: str, app: ASGIApp, name: str) -> None:
        endpoint = _MountedAppEndpoint(app, name)
        super().__init__(path, endpoint, methods=HTTP_METHODS, name=name, include_in_schema=False)
        self.dispatcher = Dispatcher(endpoint, methods=HTTP_METHODS, name=name, any_method=True)
        self.method_set = self.dispatcher.method_set

    def url_params(self, path_params: dict[str, Any]) -> dict[str, Any]:
        remainder = path_params.get("path")
        if isinstance(remainder, str) and remainder.startswith("/"):
            return {**path_params, "path": remainder.lstrip("/")}
        return path_params


def _app_routes(mount: Mount, prefix: str, name_prefix: str) -> Iterator[Route | WebSocketRoute]:
    """The routes serving ``mount.app``: an HTTP route of every method and a WebSocket route, both on
    ``mount.path + "/{path:path}"``, entering the mount as Starlette's ``Mount`` does."""
    assert mount.app is not None
    app = wrap(mount.app, mount.middleware)
    path = mount.path + "/{path:path}"
    name = mount.name or _name_of(mount.app)
    http = _MountedRoute(path, app, name)

    async def mounted_session(websocket: WebSocket[Any]) -> None:
        # Through the neutral websocket's receive and send, so the host knows where the connection stands.
        await app(
            _mount_scope(websocket.scope, websocket.path, websocket.path_params), websocket.receive, websocket.send
        )

    mounted_session.__name__ = name
    ws = WebSocketRoute(path, mounted_session, name=name)
    ws.session = mounted_session
    for route in (http, ws):
        rebased = route._rebased(prefix, name_prefix, prefix)
        # The app's root_path takes in the whole prefix it sits under, whatever its origin.
        rebased.mount_path = prefix + mount.path
        rebased.mount_compiled = CompiledPath(prefix + mount.path, prefix=True) if prefix + mount.path else None
        yield rebased


def _flatten(
    routes: Sequence[BaseRoute], prefix: str, name_prefix: str, mount_path: str, middleware: Sequence[Any] = ()
) -> Iterator[Route | WebSocketRoute]:
    for route in routes:
        if isinstance(route, Mount):
            if route.app is not None:
                flat: Iterator[Route | WebSocketRoute] = _app_routes(route, prefix, name_prefix)
            else:
                inner = name_prefix + route.name + ":" if route.name else name_prefix
                flat = _flatten(route.routes, prefix + route.path, inner, mount_path + route.path, route.middleware)
            if route.max_body_size is not None:
                flat = _limited(flat, route.max_body_size)
            # The middleware of the Mounts around this one wrap each of its routes, outermost first.
            yield from (found._with_middleware(middleware) for found in flat) if middleware else flat
        elif isinstance(route, Route | WebSocketRoute):
            rebased = route._rebased(prefix, name_prefix, mount_path) if prefix or name_prefix else route
            yield rebased._with_middleware(middleware) if middleware else rebased
        else:
            raise ConfigurationError(f"Expected Route, WebSocketRoute or Mount, got {route!r}")


def _limited(routes: Iterator[Route | WebSocketRoute], max_body_size: int) -> Iterator[Route | WebSocketRoute]:
    return (route._limited(max_body_size) if isinstance(route, Route) else route for route in routes)


def _checked_limit(owner: str, max_body_size: int | None) -> int | None:
    if max_body_size is not None and (
        isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size < 0
    ):
        raise ConfigurationError(
            f"{owner}: max_body_size={max_body_size!r} must be a number of bytes (an int >= 0) or None"
        )
    return max_body_size


def _checked_middleware(owner: str, middleware: Sequence[Any] | None) -> list[Any]:
    items = list(middleware or ())
    for item in items:
        if not is_middleware(item):
            raise ConfigurationError(
                f"{owner}: middleware= takes Middleware(cls, *args, **kwargs) entries "
                f"(portable_endpoints.middleware.Middleware or Starlette's), got {item!r}"
            )
    return items


#: Scope key of the neutral request or websocket a route's middleware stack was entered with.
_CONNECTION = "portable_endpoints.connection"
#: What a copied connection caches from its scope, dropped when a middleware passed on another scope.
_SCOPE_CACHES = ("_cookies", "_headers", "_query_params", "_state", "_url")


def _reconnected(connection: Any, scope: Scope) -> Any:
    """A copy of ``connection`` (the host's own class, with its state, session and ``url_for``) over
    the ``scope`` a middleware passed on."""
    copied = copy.copy(connection)
    if scope is not connection.scope:
        copied.scope = scope
        for name in _SCOPE_CACHES:
            with contextlib.suppress(AttributeError):  # never cached
                delattr(copied, name)
    return copied


def _raise(exc: HTTPException) -> Any:
    raise exc


def _dispatcher_in_middleware(dispatcher: Dispatcher, middleware: Sequence[Any]) -> Dispatcher:
    """``dispatcher``'s endpoint served as an ASGI app inside ``middleware``, as Starlette's
    ``Route(middleware=...)``: the stack is built once; a verb the route does not serve is still
    answered (405) outside it."""

    async def endpoint_app(scope: Scope, receive: Receive, send: Send) -> None:
        request = _reconnected(scope[_CONNECTION], scope)
        request.receive, request.send = receive, send
        response = await run_endpoint(dispatcher, request, http_error=_raise, is_native_response=callable)
        if response is None:
            return  # the client left mid-body
        if not callable(response):
            raise TypeError(
                f"Endpoint {dispatcher.name!r} returned {response!r} under route middleware, which needs an "
                "ASGI response: return a portable response instead of the host's own"
            )
        await response(scope, receive, send)

    return Dispatcher(
        _InMiddleware(wrap(endpoint_app, middleware), dispatcher.name),
        methods=dispatcher.methods,
        name=dispatcher.name,
        max_body_size=dispatcher.max_body_size,
        any_method=dispatcher.method_set is EVERY_METHOD,
    )


class _InMiddleware:
    """The function endpoint of a route with middleware: an ASGI app, the stack, for each request."""

    __slots__ = ("__name__", "app")

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.__name__ = name

    async def __call__(self, request: Request[Any]) -> ASGIApp:
        scope = _request_scope(request)
        scope[_CONNECTION] = request
        # The endpoint's own body limit applies inside (run_endpoint), as the route's.
        return await start_app(self.app, scope, request, limit_body=False)


def _session_in_middleware(
    session: Callable[[WebSocket[Any]], Coroutine[Any, Any, None]], middleware: Sequence[Any]
) -> Callable[[WebSocket[Any]], Coroutine[Any, Any, None]]:
    """A WebSocket route's session inside ``middleware``, as Starlette's ``WebSocketRoute(middleware=...)``:
    the middleware see the connection's messages, through the host's websocket."""

    async def session_app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = _reconnected(scope[_CONNECTION], scope)
        websocket._receive, websocket._send = receive, send
        await session(websocket)

    app = wrap(session_app, middleware)

    async def in_middleware(websocket: WebSocket[Any]) -> None:
        scope = websocket.scope
        scope["path_params"] = websocket.path_params
        scope[_CONNECTION] = websocket
        await app(scope, websocket.receive, websocket.send)

    return in_middleware


class RouteTable:
    """The flat list of routes an adapter registers, with their full paths; resolves names.

    Built once per ``create_app`` / ``mount`` / ``native_routes`` call. Several routes may share
    a name, as in Starlette; ``native_names`` gives each route a name unique in the table, for
    hosts whose own names must be unique (the first route of each name keeps it). ``json_codec``
    names the JSON codec of these routes (``"stdlib"``, ``"msgspec"`` or ``"orjson"``).
    """

    def __init__(
        self,
        routes: Sequence[BaseRoute],
        prefix: str = "",
        *,
        redirect_slashes: bool = False,
        max_body_size: int | None = None,
        json_codec: str = "stdlib",
    ) -> None:
        if prefix and not prefix.startswith("/"):
            raise ConfigurationError(f"Mount prefix {prefix!r} must start with '/'")
        if max_body_size is not None and (isinstance(max_body_size, bool) or not isinstance(max_body_size, int)):
            raise ConfigurationError(f"max_body_size={max_body_size!r} must be a number of bytes (an int) or None")
        if max_body_size is not None and max_body_size < 0:
            raise ConfigurationError(f"max_body_size={max_body_size!r} must be >= 0")
        #: what ``JSONResponse``, ``request.json()`` and WebSocket JSON use on these routes
        self.json_codec: JSONCodec = get_codec(json_codec)
        #: whether the app ``create_app`` builds for this table redirects to slash-toggled twins
        #: (``create_app(..., redirect_slashes=True)``, the default, as ``Starlette()``)
        self.redirect_slashes = redirect_slashes
        flat = _flatten(routes, prefix.rstrip("/"), "", "")
        self.routes: list[Route | WebSocketRoute] = list(
            flat if max_body_size is None else _limited(flat, max_body_size)
        )
        self._by_name: dict[str, list[Route | WebSocketRoute]] | None = None
        self._native_names: dict[int, str] | None = None
        #: other tables served by the same app, consulted by ``route_for`` after this one
        self.neighbours: list[RouteTable] = []
        #: the app's routes across its tables, once an adapter placed this table beside others
        self.app_routes: AppRoutes | None = None
        #: set by an adapter that placed this table itself (``create_app``, ``mount``), so its paths
        #: are below the app's root path; False for ``native_routes``, composed by the user
        self.resolves_here = False
        #: the ``exception_handlers`` of ``create_app`` / ``mount``, consulted by ``run_endpoint``
        self.exception_handlers: ExceptionHandlers | None = None
        #: set by the core for a ``create_app`` table whose app answers server errors around its
        #: middleware, on a host that lets an endpoint's exception out of its ASGI entry:
        #: ``run_endpoint`` then raises what no handler of its class takes
        self.raises_server_errors = False

    @property
    def by_name(self) -> dict[str, list[Route | WebSocketRoute]]:
        """The routes of each name, in declaration order (made when first asked for: ``url_for``,
        or a host whose route names must be unique)."""
        by_name = self._by_name
        if by_name is None:
            by_name = self._by_name = {}
            for route in self.routes:
                same = by_name.get(route.name)
                if same is None:
                    by_name[route.name] = [route]
                else:
                    same.append(route)
        return by_name

    @property
    def native_names(self) -> dict[int, str]:
        """Per route (by identity), a name unique in this table: the route's own, or ``name#2``..."""
        names = self._native_names
        if names is None:
            names = self._native_names = {}
            seen: dict[str, int] = {}
            for route in self.routes:
                count = seen[route.name] = seen.get(route.name, 0) + 1
                names[id(route)] = route.name if count == 1 else f"{route.name}#{count}"
        return names

    @property
    def http_routes(self) -> list[Route]:
        return [route for route in self.routes if isinstance(route, Route)]

    @property
    def websocket_routes(self) -> list[WebSocketRoute]:
        return [route for route in self.routes if isinstance(route, WebSocketRoute)]

    def native_name(self, route: Route | WebSocketRoute) -> str:
        return self.native_names[id(route)]

    def find(self, name: str, path_params: dict[str, Any]) -> tuple[Route | WebSocketRoute, str] | None:
        """The first route of this table named ``name`` whose params fit, and its path; else None."""
        for route in self.by_name.get(name, ()):
            path = route.compiled.render(route.url_params(path_params))
            if path is not None:
                return route, path
        return None

    def route_for(self, name: str, /, **path_params: Any) -> tuple[Route | WebSocketRoute, str]:
        """Starlette's ``url_path_for`` rule: the first route, in declaration order, whose name
        matches and whose params fit (then the app's other tables); else ``NoMatchFound``."""
        for table in (self, *self.neighbours):
            found = table.find(name, path_params)
            if found is not None:
                return found
        raise NoMatchFound(name, path_params)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of ``route_for``'s route, carrying its ``protocol`` (``http`` or ``websocket``)."""
        route, path = self.route_for(name, **path_params)
        return URLPath(path, route.protocol)

    def knows(self, name: str) -> bool:
        """Whether a route of this table or of the app's other tables is named ``name``."""
        return any(name in table.by_name for table in (self, *self.neighbours))

    def __iter__(self) -> Iterator[Route | WebSocketRoute]:
        return iter(self.routes)


AnyRoute = TypeVar("AnyRoute", bound="Route | WebSocketRoute")


class RouteMatch(Generic[AnyRoute]):
    """What ``first_match`` found: the route, its converted path params, and whether the method fits."""

    __slots__ = ("full", "params", "route")

    def __init__(self, route: AnyRoute, params: dict[str, Any], full: bool) -> None:
        self.route = route
        self.params = params
        self.full = full

    def __repr__(self) -> str:
        return f"RouteMatch(route={self.route!r}, params={self.params!r}, full={self.full!r})"


def path_below_root(scope: Scope) -> str:
    """The path routes are matched against: ``scope["path"]`` below ``root_path``, as Starlette's
    ``get_route_path`` computes it (the whole path when it does not start with ``root_path``)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if len(path) == len(root_path):
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path


def first_match(routes: Iterable[AnyRoute], path: str, method: str | None = None) -> RouteMatch[AnyRoute] | None:
    """Starlette's router: the first route matching ``path`` and ``method``, else the first matching
    ``path`` only (``full=False``: its endpoint answers 405 with the route's ``Allow``), else None.

    ``method=None`` (WebSocket routes) makes every path match a full one.
    """
    partial: RouteMatch[AnyRoute] | None = None
    for route in routes:
        params = route.compiled.match(path)
        if params is None:
            continue
        if method is None or not isinstance(route, Route) or method in route.method_set:
            return RouteMatch(route, params, True)
        if partial is None:
            partial = RouteMatch(route, params, False)
    return partial


class AppRoutes:
    """The portable routes of one app, across the tables ``create_app`` and each ``pe.mount`` added,
    in the order they were added: Starlette's router over them all, and ``url_for`` across them.

    A host whose own router sends a request to one table's handler (werkzeug and Litestar prefer
    a literal path to a parameter; Django stops at the first pattern) asks ``match_http`` /
    ``match_websocket`` through ``table.app_routes`` whenever the table has ``neighbours``, so a
    route declared earlier still wins and a method mismatch still falls through to a later table.
    """

    __slots__ = ("_http", "_table_of", "_websocket", "tables")

    def __init__(self) -> None:
        self.tables: list[RouteTable] = []
        self._http: list[Route] = []
        self._websocket: list[WebSocketRoute] = []
        self._table_of: dict[int, RouteTable] = {}

    @property
    def several(self) -> bool:
        return len(self.tables) > 1

    @property
    def http_routes(self) -> list[Route]:
        """Every HTTP route of the app, in the order served (read-only), e.g. for ``slash_redirect``."""
        return self._http

    def include(self, table: RouteTable) -> None:
        """Serve ``table`` after the routes already here; each table's ``url_for`` finds the others'."""
        for other in self.tables:
            other.neighbours.append(table)
        table.neighbours.extend(self.tables)
        table.app_routes = self
        self.tables.append(table)
        self._http += table.http_routes
        self._websocket += table.websocket_routes
        self._table_of.update((id(route), table) for route in table)

    def match_http(self, path: str, method: str) -> tuple[RouteMatch[Route], RouteTable] | None:
        """``first_match`` over every HTTP route of the app, with the table of the route found."""
        found = first_match(self._http, path, method)
        return None if found is None else (found, self._table_of[id(found.route)])

    def match_websocket(self, path: str) -> tuple[RouteMatch[WebSocketRoute], RouteTable] | None:
        found = first_match(self._websocket, path)
        return None if found is None else (found, self._table_of[id(found.route)])


def toggled_slash(path: str) -> str:
    """``path`` with its trailing slash toggled, as Starlette's ``redirect_slashes`` tries it."""
    return path.rstrip("/") if path.endswith("/") else path + "/"


def slash_redirect(routes: Iterable[Route | WebSocketRoute], scope: Scope) -> str | None:
    """The URL Starlette's ``redirect_slashes`` sends an unmatched HTTP request to, or None.

    When the path below the root path is not ``/`` and its slash-toggled twin matches one of
    ``routes`` (path only: a partial match counts), the answer is that twin's absolute URL with the
    query string kept; the adapter answers ``307`` with it as ``Location``.
    """
    path = path_below_root(scope)
    if scope["type"] != "http" or path == "/":
        return None
    twin = toggled_slash(path)
    if not any(route.compiled.match(twin) is not None for route in routes if isinstance(route, Route)):
        return None
    return slash_twin_url(scope)


def slash_twin_url(scope: Scope) -> str:
    """The request's absolute URL with its path's trailing slash toggled, query string kept.

    As Starlette's router, the path below ``root_path`` decides which way: a request for exactly a
    ``root_path`` that ends in ``/`` (``/sub_path/``) is below it ``""``, so gains a slash.
    """
    from portable_endpoints.datastructures import URL

    path: str = scope["path"]
    redirect_scope = dict(scope)
    redirect_scope["path"] = path.rstrip("/") if path_below_root(scope).endswith("/") else path + "/"
    return str(URL.from_scope(redirect_scope))


def enter_mount(scope: Scope, route: Route | WebSocketRoute, path: str) -> None:
    """Give the endpoint of ``route`` (matched on ``path``) the scope Starlette's ``Mount`` gives:
    ``root_path`` extended by the text its Mounts matched, ``app_root_path`` the app's own."""
    compiled = route.mount_compiled
    if compiled is None:
        return
    found = compiled.regex.match(path)
    if found is None:  # cannot happen for a path the route matched; keep the scope as it is
        return
    root_path = scope.get("root_path", "")
    scope.setdefault("app_root_path", root_path)
    scope["root_path"] = root_path + found.group(0)


__all__ = [
    "AppRoutes",
    "BaseRoute",
    "CompiledPath",
    "Mount",
    "NoMatchFound",
    "PathParam",
    "PathPart",
    "Route",
    "RouteMatch",
    "RouteTable",
    "WebSocketRoute",
    "enter_mount",
    "first_match",
    "path_below_root",
    "slash_redirect",
    "slash_twin_url",
    "toggled_slash",
]
