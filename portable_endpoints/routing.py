"""Route declarations (``Route``, ``WebSocketRoute``, ``Mount``) and Starlette's path syntax.

Everything per route is computed here, once, when the route is declared: the path regex and
convertors, and the route's ``Dispatcher`` (verb table, ``Allow`` value). Adapters only translate these.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from portable_endpoints._concurrency import is_async_callable
from portable_endpoints._dispatch import Dispatcher
from portable_endpoints._json import JSONCodec, get_codec
from portable_endpoints.convertors import CONVERTOR_TYPES, Convertor
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.exceptions import ConfigurationError, NoMatchFound

if sys.version_info >= (3, 11):
    from typing import Self
else:
    from typing_extensions import Self

if TYPE_CHECKING:
    from portable_endpoints.websockets import WebSocket

PARAM_REGEX = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")


class PathParam(NamedTuple):
    """One ``{name:kind}`` of a route path, as ``CompiledPath.parts`` gives it."""

    name: str
    kind: str
    convertor: Convertor[Any]


#: A piece of a parsed route path: literal text, or a parameter.
PathPart = str | PathParam


class CompiledPath:
    """A Starlette path: ``/files/{name}.{ext}`` -> regex, format string and convertors."""

    __slots__ = ("_converts", "convertors", "format", "param_kinds", "parts", "path", "regex")

    def __init__(self, path: str) -> None:
        if not path.startswith("/"):
            raise ConfigurationError(f"Route path {path!r} must start with '/'")
        pattern, path_format, idx = "^", "", 0
        convertors: dict[str, Convertor[Any]] = {}
        kinds: list[tuple[str, str]] = []
        parts: list[PathPart] = []
        for match in PARAM_REGEX.finditer(path):
            name, kind = match.group(1), (match.group(2) or ":str")[1:]
            if kind not in CONVERTOR_TYPES:
                known = ", ".join(sorted(CONVERTOR_TYPES))
                raise ConfigurationError(f"Unknown path convertor {kind!r} in {path!r} (known: {known})")
            if name in convertors:
                raise ConfigurationError(f"Duplicated param name {name} at path {path}")
            convertors[name] = CONVERTOR_TYPES[kind]
            kinds.append((name, kind))
            if match.start() > idx:
                parts.append(path[idx : match.start()])
            parts.append(PathParam(name, kind, convertors[name]))
            pattern += re.escape(path[idx : match.start()]) + f"(?P<{name}>{convertors[name].regex})"
            path_format += path[idx : match.start()] + "{" + name + "}"
            idx = match.end()
        if idx < len(path):
            parts.append(path[idx:])
        self.path = path
        #: the path parsed once, for adapters that translate it: literal text and ``PathParam``s in order
        self.parts: tuple[PathPart, ...] = tuple(parts)
        self.regex = re.compile(pattern + re.escape(path[idx:]) + "$")
        self.format = path_format + path[idx:]
        self.convertors = convertors
        self._converts = tuple((name, convertor.convert) for name, convertor in convertors.items())
        #: (param name, convertor name) in path order, for adapters that translate the path
        self.param_kinds = tuple(kinds)

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
        if not self.convertors:
            # The regex's ``$`` also matches before a final newline, as on Starlette.
            return {} if path == self.path or (path[-1:] == "\n" and path[:-1] == self.path) else None
        found = self.regex.match(path)
        if found is None:
            return None
        group = found.group
        return {name: convert(group(name)) for name, convert in self._converts}

    def render(self, params: dict[str, Any]) -> str | None:
        if params.keys() != self.convertors.keys():
            return None
        path = self.format
        for key, value in params.items():
            path = path.replace("{" + key + "}", self.convertors[key].to_string(value))
        return path


def _name_of(endpoint: Any) -> str:
    return str(getattr(endpoint, "__name__", type(endpoint).__name__))


class BaseRoute:
    path: str
    name: str
    compiled: CompiledPath

    def _rebased(self, prefix: str, name_prefix: str) -> Self:
        """A copy under ``prefix``, named ``name_prefix + name`` (what flattening a Mount makes)."""
        route = copy.copy(self)
        route.path = prefix + self.path
        route.name = name_prefix + self.name
        route.compiled = CompiledPath(route.path)
        return route


class Route(BaseRoute):
    """An HTTP route to an ``HTTPEndpoint`` subclass, or to a ``request -> response`` callable."""

    def __init__(
        self,
        path: str,
        endpoint: type[HTTPEndpoint] | Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
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
            self.dispatcher = Dispatcher(endpoint, name=self.name)
        elif isinstance(endpoint, type) and issubclass(endpoint, WebSocketEndpoint):
            raise ConfigurationError(f"Route({path!r}): {endpoint.__name__} is a WebSocketEndpoint; use WebSocketRoute")
        elif callable(endpoint) and not isinstance(endpoint, type):
            self.dispatcher = Dispatcher(endpoint, methods=methods, name=self.name)
        else:
            raise ConfigurationError(
                f"Route({path!r}): endpoint must be an HTTPEndpoint subclass or a callable "
                f"taking a request, got {endpoint!r}"
            )
        #: the verbs served, in Starlette's order, and the ``Allow`` value of a 405
        self.methods: tuple[str, ...] = self.dispatcher.methods
        self.allow = self.dispatcher.allow

    @property
    def description(self) -> str | None:
        """The endpoint's docstring, for hosts that publish an API schema."""
        doc = getattr(self.endpoint, "__doc__", None)
        return doc.strip() if doc else None

    def __repr__(self) -> str:
        return f"Route(path={self.path!r}, name={self.name!r}, methods={list(self.methods)!r})"


class WebSocketRoute(BaseRoute):
    """A WebSocket route to a ``WebSocketEndpoint`` subclass, or to an ``async (websocket)`` callable."""

    def __init__(
        self, path: str, endpoint: type[WebSocketEndpoint] | Callable[..., Any], *, name: str | None = None
    ) -> None:
        self.path, self.endpoint = path, endpoint
        self.name = _name_of(endpoint) if name is None else name
        self.compiled = CompiledPath(path)
        if isinstance(endpoint, type) and issubclass(endpoint, WebSocketEndpoint):
            cls = endpoint

            def session(websocket: WebSocket[Any]) -> Coroutine[Any, Any, None]:
                # Not a coroutine itself: the endpoint's session is the only frame kept per connection.
                return cls(websocket.scope, websocket.receive, websocket.send).session(websocket)

            self.session = session
        elif isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
            raise ConfigurationError(f"WebSocketRoute({path!r}): {endpoint.__name__} is an HTTPEndpoint; use Route")
        elif is_async_callable(endpoint) and not isinstance(endpoint, type):
            function = endpoint

            async def function_session(websocket: WebSocket[Any]) -> None:
                try:
                    await function(websocket)
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
    """A group of routes under a path prefix; names inside become ``"mount:name"`` as in Starlette."""

    def __init__(self, path: str, routes: Sequence[BaseRoute], *, name: str | None = None) -> None:
        if path and not path.startswith("/"):
            raise ConfigurationError(f"Mount path {path!r} must be empty or start with '/'")
        if "{" in path:
            raise ConfigurationError(f"Mount path {path!r}: path parameters are not supported in a mount prefix")
        self.path = path.rstrip("/")
        self.routes = list(routes)
        self.name = name or ""

    def __repr__(self) -> str:
        return f"Mount(path={self.path!r}, name={self.name!r}, routes={self.routes!r})"


def _flatten(routes: Sequence[BaseRoute], prefix: str, name_prefix: str) -> Iterator[Route | WebSocketRoute]:
    for route in routes:
        if isinstance(route, Mount):
            inner = name_prefix + route.name + ":" if route.name else name_prefix
            yield from _flatten(route.routes, prefix + route.path, inner)
        elif isinstance(route, Route | WebSocketRoute):
            yield route._rebased(prefix, name_prefix) if prefix or name_prefix else route
        else:
            raise ConfigurationError(f"Expected Route, WebSocketRoute or Mount, got {route!r}")


class RouteTable:
    """The flat list of routes an adapter registers, with their full paths; resolves names.

    Built once per ``create_app`` / ``mount`` / ``native_routes`` call. ``json_codec`` names the
    JSON codec of these routes (``"stdlib"``, ``"msgspec"`` or ``"orjson"``).
    """

    def __init__(self, routes: Sequence[BaseRoute], prefix: str = "", *, json_codec: str = "stdlib") -> None:
        if prefix and not prefix.startswith("/"):
            raise ConfigurationError(f"Mount prefix {prefix!r} must start with '/'")
        #: what ``JSONResponse``, ``request.json()`` and WebSocket JSON use on these routes
        self.json_codec: JSONCodec = get_codec(json_codec)
        self.routes: list[Route | WebSocketRoute] = list(_flatten(routes, prefix.rstrip("/"), ""))
        self.by_name: dict[str, Route | WebSocketRoute] = {}
        for route in self.routes:
            if route.name in self.by_name:
                raise ConfigurationError(
                    f"Two routes are named {route.name!r} ({self.by_name[route.name].path!r} and "
                    f"{route.path!r}); pass name= to tell them apart"
                )
            self.by_name[route.name] = route

    @property
    def http_routes(self) -> list[Route]:
        return [route for route in self.routes if isinstance(route, Route)]

    @property
    def websocket_routes(self) -> list[WebSocketRoute]:
        return [route for route in self.routes if isinstance(route, WebSocketRoute)]

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        route = self.by_name.get(name)
        path = None if route is None else route.compiled.render(path_params)
        if path is None:
            raise NoMatchFound(name, path_params)
        return path

    def __iter__(self) -> Iterator[Route | WebSocketRoute]:
        return iter(self.routes)


__all__ = [
    "BaseRoute",
    "CompiledPath",
    "Mount",
    "NoMatchFound",
    "PathParam",
    "PathPart",
    "Route",
    "RouteTable",
    "WebSocketRoute",
]
