"""The adapter interface: everything a framework adapter, in-tree or third-party, builds on.

The core has already validated and flattened the user's routes into a ``RouteTable`` (full paths,
names, compiled paths, each route's ``Dispatcher``) before an adapter sees it; the adapter only
registers the routes with its host and translates requests, websockets, responses and errors.

What an adapter uses, all importable from here:

- ``Adapter`` (the protocol it implements), ``AdapterInfo``, ``AdapterPlugin`` (ready-made hooks);
- ``run_endpoint(route.dispatcher, request, http_error=..., is_native_response=...)``: the one
  dispatch path (verb table, HEAD, 405 + ``Allow``, worker thread for sync handlers, and the
  outcome: HTTPException, client gone, a value that is no response);
- ``Dispatcher``, ``class_verbs``, ``function_verbs``, ``HTTP_METHODS``: the verb tables, e.g. to
  publish an API schema;
- ``plain_error``: the bare host's error format, for hosts with none of their own;
- ``plain_parts(response, scope)``: a plain response's status, raw headers and body, for a host
  whose own response object carries a whole answer;
- ``bridge_asgi_response(app, request)`` / ``BridgedResponse``: any ASGI app's answer (status, raw
  headers, body chunks, then its background) for a host that gives the adapter no raw ``send``;
- ``RouteIndex``: the routes that can match a path without scanning them all, for a host that
  lets the adapter match a whole table in one native route (cost that does not grow with routes);
- ``RouteTable``, ``first_match``, ``RouteMatch``, ``path_below_root``, ``slash_redirect``,
  ``enter_mount``, ``AppRoutes`` (from ``portable_endpoints.routing``): Starlette's router, written
  once: route choice, method fall-through, trailing-slash redirects, ``root_path`` under mounts,
  and the tables of one app linked for matching and ``url_for`` across them;
- ``replay_receive``: hand the endpoint a ``websocket.connect`` message the host consumed;
- ``portable_endpoints.requests.Request`` / ``portable_endpoints.websockets.WebSocket``: generic in
  the host's native object, with ``body_chunks`` / ``max_body_size`` for hosts that read the body;
- ``portable_endpoints.types``: the ASGI vocabulary.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from portable_endpoints._app import asgi_lifespan, lifespan_complete
from portable_endpoints._bridge import BridgedResponse, bridge_asgi_response
from portable_endpoints._dispatch import (
    HTTP_METHODS,
    Dispatcher,
    class_verbs,
    function_verbs,
    plain_error,
    run_endpoint,
    send_asgi_response,
)
from portable_endpoints._index import RouteIndex
from portable_endpoints.exceptions import AdapterUnavailable
from portable_endpoints.hookspecs import _answers_by_key, hookimpl
from portable_endpoints.responses import Response
from portable_endpoints.routing import (
    AppRoutes,
    RouteMatch,
    RouteTable,
    enter_mount,
    first_match,
    path_below_root,
    slash_redirect,
)
from portable_endpoints.types import ASGIApp, Message, Receive, Scope

if TYPE_CHECKING:
    from portable_endpoints.testing.native_kit import NativeKit

#: Features a host may lack. An adapter lists those it supports in ``AdapterInfo.capabilities``;
#: the conformance suite tests each declared one, and checks the clear error of each undeclared one.
#: ``http.streaming_request_body``: ``request.stream()`` yields the body as it arrives (a host that
#: reads whole bodies before the endpoint runs yields it in one chunk).
OPTIONAL_CAPABILITIES = frozenset(
    {"websocket.denial_response", "native_routes.any_method", "http.streaming_request_body"}
)


@dataclass(frozen=True)
class AdapterInfo:
    """One installed adapter, as ``pe.adapters()`` and ``portable-endpoints adapters`` show it."""

    name: str
    distribution: str
    version: str
    framework: str
    framework_version: str | None
    #: the optional features (``OPTIONAL_CAPABILITIES``) this host supports
    capabilities: frozenset[str] = field(default_factory=frozenset)
    available: bool = True
    #: why the adapter cannot run here, naming what to install
    problem: str | None = None


@dataclass(frozen=True)
class AppClaim:
    """A ``pe_get_adapter_for_app`` answer: ``adapter`` owns apps of ``app_class``.

    When several plugins claim one app, the claim whose ``app_class`` is the most derived class of
    the app wins (a FastAPI app goes to the FastAPI adapter, not to the Starlette one).
    """

    adapter: Adapter
    app_class: type


@runtime_checkable
class Adapter(Protocol):
    """What ``pe_get_adapter`` / ``pe_get_adapter_for_app`` return: one host's translator.

    The three methods are called once per ``create_app`` / ``native_routes`` / ``mount`` call, with
    a ``RouteTable`` the core built (routes flattened, full paths, names, compiled paths). What
    they register then does, **per connection**:

    HTTP, for each request:

    1. Match the path with the core's rules, on ``path_below_root(scope)`` (the path below the
       app's ``root_path``): ``first_match(routes, path, method)`` takes the first route matching
       path and method, else the first matching the path only (a partial match: its endpoint
       answers 405 with ``Allow``), with Starlette's syntax, convertors and converted values. A host
       whose router matches differently must not decide the match. No match: when the app
       redirects slashes (``table.redirect_slashes`` for ``create_app``), ``slash_redirect(routes,
       scope)`` is the ``Location`` of a 307; else the host's 404. On a match, ``enter_mount(scope,
       route, path)`` gives the endpoint the ``root_path`` Starlette's ``Mount`` would.
    2. Build ``Request(scope, receive, send, native=..., path_params=..., route_table=table)``
       over the host's own request: pass ``native`` (or ``native_factory``), ``body_chunks`` when
       the host reads the ASGI channel itself, ``max_body_size`` when the host has a body limit.
       ``scope["app"]`` must be the host's app object (``request.app`` reads it: set it with
       ``scope.setdefault("app", app)`` when the host does not); ``request.state`` is an
       attribute view over ``scope["state"]``, where ASGI servers put the lifespan state: subclass
       ``Request`` and override ``state`` only when the host keeps per-request state elsewhere
       (likewise ``url_for`` when the host's own router must resolve names).
    3. ``outcome = await run_endpoint(route.dispatcher, request, http_error=..., is_native_response=...)``.
       Every method must reach it (no native 405/OPTIONS answer): it answers unserved verbs.
    4. ``None``: the client left mid-body; send nothing, log nothing. A neutral ``Response``: send
       it (it is an ASGI app) or convert it, keeping every raw header (repeated ``Set-Cookie``),
       sending no body for HEAD, and running ``response.background`` only after the last body
       message. A native response: send it untouched. Any other value is an ASGI app answering
       the request (Starlette's responses, sse-starlette's ``EventSourceResponse``, an overridden
       ``dispatch()``, an app under ``Mount(app=...)``): call it with the host's raw ``scope,
       receive, send``; a host that has no raw ``send`` answers with
       ``await bridge_asgi_response(app, request)`` instead, which runs the app in a task and gives
       its ``status``, raw ``headers`` and ``body`` chunks for the host's own streaming response,
       then ``await bridged.finish()`` once the last body message is out (the app's background
       work); the same helper sends a neutral ``Response`` through such a host. ``http_error``
       turns ``HTTPException`` into the host's own error (raise the host's exception so its
       handlers apply, or return its error response); 204 and 304 carry no body. Exceptions the
       endpoint raised propagate to the host.

    WebSocket, for each connection: match as above (``first_match(routes, path)``, no method),
    build ``WebSocket(scope, receive, send, ...)`` whose receive/send carry raw ASGI
    ``websocket.*`` messages, then ``await route.session(websocket)``; let its exceptions
    propagate. The first message the endpoint receives must be ``websocket.connect``: a host that
    reads it before routing gives the endpoint ``replay_receive(receive, connect_message)``.
    Recover the client's close code and reason where the host hides them, and send close reasons
    and accept headers the host would drop.

    Several tables, one app: ``pe.mount`` adds a table to an app ``create_app`` made, or to one
    the user built, and ``mount`` may run many times on one app. Keep one ``AppRoutes`` per app
    and ``include`` every table in it: ``url_for`` in one table then finds the others' routes
    (``table.neighbours``), and ``match_http(path, method)`` / ``match_websocket(path)`` are
    Starlette's router across all of them, returning the route's table too (a host whose own
    router picks one table's handler asks ``table.app_routes`` whenever ``table.neighbours`` is
    not empty, so an earlier route still wins and a method mismatch still falls through).

    ``table.resolves_here``: set it to True in ``create_app`` and ``mount`` (the adapter placed
    the table, so its paths are below the app's root path) and leave it False for
    ``native_routes`` (the user composes those). The core does not read it: it is for an adapter
    whose ``url_for`` must choose between the table and the host's own router, which alone knows
    where composed routes ended up.

    Optional: ``wrap_asgi(app, wrap)`` (see ``WrapsASGIEntry``) for ``create_app``'s middleware,
    lifespan and 404 handler; ``native_exception_types``, the host's own exception classes
    whose ``exception_handlers`` entries go to ``options`` untouched; and
    ``raises_endpoint_exceptions = True`` for a host that lets an endpoint's exception out of its
    ASGI entry as it is (the core then needs no stand-in response to raise it through the app's
    middleware); ``answers_server_errors = True`` for a host whose entry, outside the stack
    ``wrap_asgi`` puts in place, answers an exception that leaves it before the response started
    with a plain ``Internal Server Error`` 500 and re-raises it (Starlette's
    ``ServerErrorMiddleware``): the core then adds no layer of its own for that, unless the app has
    a ``500`` handler.

    Example, a complete adapter for a host that is a bare ASGI router (the test suite runs this
    very code through the conformance suite)::

        import portable_endpoints as pe
        from portable_endpoints.hosting import (
            AdapterInfo,
            AppRoutes,
            enter_mount,
            path_below_root,
            plain_error,
            run_endpoint,
            slash_redirect,
        )
        from portable_endpoints.requests import Request
        from portable_endpoints.responses import PlainTextResponse, RedirectResponse
        from portable_endpoints.websockets import WebSocket


        class MiniHost:  # the host: an ASGI app serving the tables of create_app and each pe.mount

            def __init__(self, table, redirect_slashes=True):
                self.routes = AppRoutes()  # Starlette's router and url_for, across tables
                self.routes.include(table)
                self.redirect_slashes = redirect_slashes

            async def __call__(self, scope, receive, send):
                if scope["type"] not in ("http", "websocket"):
                    return  # no lifespan: the server carries on without it
                scope.setdefault("app", self)  # request.app
                path = path_below_root(scope)
                if scope["type"] == "websocket":
                    found = self.routes.match_websocket(path)
                    if found is None:
                        await send({"type": "websocket.close", "code": 1000, "reason": ""})
                        return
                    match, table = found
                    enter_mount(scope, match.route, path)
                    websocket = WebSocket(scope, receive, send, path_params=match.params, route_table=table)
                    await match.route.session(websocket)
                    return
                # The first route matching path and method, else the first matching the path (405).
                found = self.routes.match_http(path, scope["method"])
                if found is None:
                    location = slash_redirect(self.routes.http_routes, scope) if self.redirect_slashes else None
                    missing = RedirectResponse(location) if location else PlainTextResponse("Not Found", 404)
                    await missing(scope, receive, send)
                    return
                match, table = found
                enter_mount(scope, match.route, path)  # root_path as under Starlette's Mount
                request = Request(scope, receive, send, path_params=match.params, route_table=table)
                response = await run_endpoint(match.route.dispatcher, request, http_error=plain_error)
                if response is not None:  # None: the client left mid-body, nobody to answer
                    await response(scope, receive, send)


        class MiniAdapter:
            name = "mini"

            def create_app(self, table, options):
                return MiniHost(table, redirect_slashes=table.redirect_slashes, **options)

            def native_routes(self, table):
                return table  # this host has no route objects of its own

            def mount(self, app, table):
                app.routes.include(table)


        ADAPTER = MiniAdapter()


        @pe.hookimpl
        def pe_adapter_info():
            return AdapterInfo(
                name="mini",
                distribution="mini-host",
                version="1.0",
                framework="mini-host",
                framework_version="1.0",
                # What this host can do beyond the core: the suite tests these, and the absence of the rest.
                capabilities=frozenset({"websocket.denial_response", "http.streaming_request_body"}),
            )


        @pe.hookimpl
        def pe_get_adapter(framework):
            return ADAPTER if framework == "mini" else None


        @pe.hookimpl
        def pe_get_adapter_for_app(app):
            return ADAPTER if isinstance(app, MiniHost) else None
    """

    name: str

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> Any:
        """A new native app serving ``table``; ``options`` go to the app's constructor untouched."""
        ...

    def native_routes(self, table: RouteTable) -> Any:
        """The native route objects for ``table``, for the user to compose into their own app."""
        ...

    def mount(self, app: Any, table: RouteTable) -> None:
        """Add ``table`` (its paths already carry the mount prefix) to the existing native ``app``.

        The app's own routes keep working; ``table``'s routes come after them.
        """
        ...


@runtime_checkable
class WrapsASGIEntry(Protocol):
    """The optional ``Adapter`` method behind ``create_app``'s ``middleware``, ``lifespan`` and 404 handler.

    ``wrap(entry)`` is the user's middleware around the core's app layer (lifespan, lifespan
    state, the ``404`` handler) around ``entry``. The core calls ``wrap_asgi`` once, right after
    ``create_app``, and only when the app has any of those options.
    """

    def wrap_asgi(self, app: Any, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        """Make ``app`` serve every connection through ``wrap(entry)``, built once.

        ``entry`` is the app's own ASGI entry before its routing: what a middleware around the
        whole app wraps, so it runs for paths no route matches too. It must receive the
        ``lifespan`` scope as well (the stack runs the portable lifespan around the host's own);
        where the host's entry never sees it, answer it with ``lifespan_complete`` and run the
        stack's lifespan from the host's own hook with ``asgi_lifespan(stack)``.

        Without this method, the core wraps ``app.asgi_app`` when the app has one (Quart's
        convention: ``__call__`` delegates to ``self.asgi_app``, so the app stays the host's
        object); else it swaps the app's class for a one-off subclass whose ``__call__`` runs the
        stack; an app whose class cannot be swapped makes those options a ``ConfigurationError``.
        """
        ...


def distribution_version(name: str) -> str | None:
    # Imported here: importlib.metadata (zipfile, pathlib, csv, email) costs milliseconds of every
    # start-up, and only listing adapters and a missing framework's error read package metadata.
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _installed(name: str) -> bool:
    """Whether the distribution ``name`` is installed: found, its metadata left unread (every
    adapter's first use asks, and parsing a ``METADATA`` file is most of a version lookup)."""
    from importlib import metadata

    return next(iter(metadata.distributions(name=name)), None) is not None


def install_command(name: str) -> str:
    """What ``AdapterPlugin`` tells users to run by default: the core's extra named after the adapter."""
    return f"pip install 'portable-endpoints[{name}]'"


def missing_framework_info(
    name: str,
    distribution: str,
    framework: str,
    capabilities: frozenset[str] = frozenset(),
    *,
    install_hint: str | None = None,
) -> AdapterInfo | None:
    """The ``AdapterInfo`` of an adapter whose framework is not installed, or None if it is.

    Its ``problem`` names ``install_hint``, what to run to install the framework (default:
    ``install_command(name)``, the core's extra named after the adapter).
    """
    if _installed(framework):
        return None
    hint = install_command(name) if install_hint is None else install_hint
    return AdapterInfo(
        name=name,
        distribution=distribution,
        version=distribution_version(distribution) or "unknown",
        framework=framework,
        framework_version=None,
        capabilities=capabilities,
        available=False,
        problem=f"{framework} is not installed: {hint}",
    )


def app_is_instance(app: object, module: str, class_name: str) -> bool:
    """Whether ``app`` is a ``module.class_name`` instance, without importing ``module``."""
    cls = loaded_class(module, class_name)
    return cls is not None and isinstance(app, cls)


def loaded_class(module: str, class_name: str) -> type | None:
    """The class ``module.class_name`` if ``module`` is already imported, else None (never imports)."""
    loaded = sys.modules.get(module)
    cls = getattr(loaded, class_name, None) if loaded is not None else None
    return cls if isinstance(cls, type) else None


class AdapterPlugin:
    """Ready-made hook implementations for an adapter whose code imports its framework.

    Register an instance as the entry point (``quart = "my_pkg.plugin:plugin"``). The adapter
    module is imported only when the adapter is first used, and never when its framework is
    missing, so a missing framework is reported (naming the extra) instead of crashing.

    :param name: the framework name users pass, e.g. ``"quart"``.
    :param distribution: the adapter's distribution, for its version.
    :param framework: the framework's distribution, e.g. ``"quart"``.
    :param adapter: ``"module:attribute"`` of the ``Adapter`` instance.
    :param app_classes: ``"module:Class"`` names whose instances ``mount()`` accepts.
    :param capabilities: the ``OPTIONAL_CAPABILITIES`` the host supports.
    :param native_kit: ``"module:attribute"`` of the adapter's ``portable_endpoints.testing.NativeKit``,
        for the conformance suite (``pe_native_kit``); ``None``: the adapter provides none.
    :param install_hint: what to run to install the framework, named when it is missing (e.g.
        ``"pip install 'falcon-portable-endpoints'"``, or ``"pip install 'falcon>=4'"``); default
        ``pip install 'portable-endpoints[NAME]'``, right only for the core's own extras.
    """

    def __init__(
        self,
        *,
        name: str,
        distribution: str,
        framework: str,
        adapter: str,
        app_classes: Sequence[str],
        capabilities: frozenset[str] = frozenset(),
        native_kit: str | None = None,
        install_hint: str | None = None,
    ) -> None:
        unknown = capabilities - OPTIONAL_CAPABILITIES
        if unknown:
            raise ValueError(f"Unknown capabilities {sorted(unknown)}; known: {sorted(OPTIONAL_CAPABILITIES)}")
        self.capabilities = capabilities
        self.name = name
        self.distribution = distribution
        self.framework = framework
        self.adapter_path = adapter
        self.app_classes = [tuple(path.split(":")) for path in app_classes]
        self.native_kit_path = native_kit
        self.install_hint = install_command(name) if install_hint is None else install_hint
        self._adapter: Adapter | None = None

    def load(self) -> Adapter:
        if self._adapter is None:
            missing = missing_framework_info(
                self.name, self.distribution, self.framework, install_hint=self.install_hint
            )
            if missing is not None:
                raise AdapterUnavailable(f"The {self.name!r} adapter cannot run here: {missing.problem}")
            module, _, attribute = self.adapter_path.partition(":")
            self._adapter = getattr(importlib.import_module(module), attribute)
        assert self._adapter is not None
        return self._adapter

    @hookimpl
    def pe_adapter_info(self) -> AdapterInfo:
        # From package metadata alone: listing adapters must not import any framework.
        missing = missing_framework_info(
            self.name, self.distribution, self.framework, self.capabilities, install_hint=self.install_hint
        )
        if missing is not None:
            return missing
        return AdapterInfo(
            name=self.name,
            distribution=self.distribution,
            version=distribution_version(self.distribution) or "unknown",
            framework=self.framework,
            framework_version=distribution_version(self.framework),
            capabilities=self.capabilities,
        )

    @hookimpl
    @_answers_by_key
    def pe_get_adapter(self, framework: str) -> Adapter | None:
        return self.load() if framework == self.name else None

    @hookimpl
    @_answers_by_key
    def pe_get_adapter_for_app(self, app: object) -> AppClaim | None:
        mro = type(app).__mro__
        owned = [cls for cls in (loaded_class(module, name) for module, name in self.app_classes) if cls in mro]
        if not owned:
            return None
        return AppClaim(self.load(), min(owned, key=mro.index))

    @hookimpl
    def pe_native_kit(self, framework: str) -> NativeKit | None:
        if framework != self.name or self.native_kit_path is None:
            return None
        self.load()  # the framework's clear "install ..." error first, if it is missing
        module, _, attribute = self.native_kit_path.partition(":")
        kit: NativeKit = getattr(importlib.import_module(module), attribute)
        return kit


def plain_parts(response: object, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """What an HTTP response ``run_endpoint`` returned sends, when that is exactly two ASGI messages:
    ``(status, raw headers, body)`` (the body empty for a ``HEAD`` request), else ``None``.

    A neutral ``Response`` without a background task, whose class sends it as Starlette's
    ``Response`` does (not a streaming or file response), is that: the commonest answer. A host
    whose own response object carries a whole answer can then return one built from these parts,
    its native path, with no ASGI messages in between; anything else (``None`` here) is sent by
    calling it, as ``send_asgi_response`` does.
    """
    if isinstance(response, Response) and response._plain_send and response.background is None:
        return response.status_code, response.raw_headers, b"" if scope.get("method") == "HEAD" else response.body
    return None


def replay_receive(receive: Receive, *messages: Message) -> Receive:
    """``receive``, giving ``messages`` first: what a host consumed before the endpoint could.

    A WebSocket endpoint's first message must be ``websocket.connect``; a host that reads it
    before routing (to decide where the connection goes) builds the ``WebSocket`` with
    ``replay_receive(receive, connect_message)``, so the endpoint sees the connection from its start.
    """
    pending = list(messages)

    async def replaying() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying


__all__ = [
    "Adapter",
    "AdapterInfo",
    "AdapterPlugin",
    "AppClaim",
    "AppRoutes",
    "BridgedResponse",
    "Dispatcher",
    "HTTP_METHODS",
    "OPTIONAL_CAPABILITIES",
    "RouteIndex",
    "RouteMatch",
    "RouteTable",
    "WrapsASGIEntry",
    "app_is_instance",
    "asgi_lifespan",
    "bridge_asgi_response",
    "class_verbs",
    "distribution_version",
    "enter_mount",
    "first_match",
    "function_verbs",
    "install_command",
    "lifespan_complete",
    "loaded_class",
    "missing_framework_info",
    "path_below_root",
    "plain_error",
    "plain_parts",
    "replay_receive",
    "run_endpoint",
    "send_asgi_response",
    "slash_redirect",
]
