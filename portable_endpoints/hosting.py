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
- ``bridge_asgi_response(app, request)`` / ``BridgedResponse``: any ASGI app's answer (status, raw
  headers, body chunks, then its background) for a host that gives the adapter no raw ``send``;
- ``RouteIndex``: the routes that can match a path without scanning them all, for a host that
  lets the adapter match a whole table in one native route (cost that does not grow with routes);
- ``portable_endpoints.requests.Request`` / ``portable_endpoints.websockets.WebSocket``: generic in
  the host's native object, with ``body_chunks`` / ``max_body_size`` for hosts that read the body;
- ``portable_endpoints.types``: the ASGI vocabulary.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from portable_endpoints._bridge import BridgedResponse, bridge_asgi_response
from portable_endpoints._dispatch import (
    HTTP_METHODS,
    Dispatcher,
    class_verbs,
    function_verbs,
    plain_error,
    run_endpoint,
)
from portable_endpoints._index import RouteIndex
from portable_endpoints.exceptions import AdapterUnavailable
from portable_endpoints.hookspecs import hookimpl
from portable_endpoints.routing import RouteTable

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

    1. Match the path with the core's rules (``route.compiled.match(path)``: Starlette's syntax and
       convertors, converted values), first declared route first, on the path below the app's
       ``root_path``; a host whose router matches differently must not decide the match.
    2. Build ``Request(scope, receive, send, native=..., path_params=..., route_table=table)``
       over the host's own request: pass ``native`` (or ``native_factory``), ``body_chunks`` when
       the host reads the ASGI channel itself, ``max_body_size`` when the host has a body limit.
       Subclass only to take ``state`` or ``url_for`` from the host.
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

    WebSocket, for each connection: match as above, build ``WebSocket(scope, receive, send, ...)``
    whose receive/send carry raw ASGI ``websocket.*`` messages (recover the client's close code
    and reason where the host hides them, send close reasons and accept headers the host would
    drop), then ``await route.session(websocket)``; let its exceptions propagate.

    Example, a complete adapter for a host that is a bare ASGI router::

        from portable_endpoints.hosting import plain_error, run_endpoint
        from portable_endpoints.requests import Request
        from portable_endpoints.routing import Route, RouteTable
        from portable_endpoints.websockets import WebSocket

        class MiniHost:
            def __init__(self, table):
                self.tables = [table]

            async def __call__(self, scope, receive, send):
                for table in self.tables:
                    for route in table.routes:
                        params = route.compiled.match(scope["path"])
                        if params is None:
                            continue
                        if scope["type"] == "http" and isinstance(route, Route):
                            request = Request(scope, receive, send, path_params=params, route_table=table)
                            response = await run_endpoint(route.dispatcher, request, http_error=plain_error)
                            if response is not None:
                                await response(scope, receive, send)
                            return
                        if scope["type"] == "websocket" and not isinstance(route, Route):
                            await route.session(WebSocket(scope, receive, send, path_params=params, route_table=table))
                            return

        class MiniAdapter:
            name = "mini"

            def create_app(self, table, options):
                return MiniHost(table)

            def native_routes(self, table):
                return MiniHost(table)

            def mount(self, app, table):
                app.tables.append(table)
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


def distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def missing_framework_info(
    name: str, distribution: str, framework: str, capabilities: frozenset[str] = frozenset()
) -> AdapterInfo | None:
    """The ``AdapterInfo`` of an adapter whose framework is not installed, or None if it is."""
    if distribution_version(framework) is not None:
        return None
    return AdapterInfo(
        name=name,
        distribution=distribution,
        version=distribution_version(distribution) or "unknown",
        framework=framework,
        framework_version=None,
        capabilities=capabilities,
        available=False,
        problem=f"{framework} is not installed: pip install 'portable-endpoints[{name}]'",
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
        self._adapter: Adapter | None = None

    def load(self) -> Adapter:
        if self._adapter is None:
            missing = missing_framework_info(self.name, self.distribution, self.framework)
            if missing is not None:
                raise AdapterUnavailable(f"The {self.name!r} adapter cannot run here: {missing.problem}")
            module, _, attribute = self.adapter_path.partition(":")
            self._adapter = getattr(importlib.import_module(module), attribute)
        assert self._adapter is not None
        return self._adapter

    @hookimpl
    def pe_adapter_info(self) -> AdapterInfo:
        # From package metadata alone: listing adapters must not import any framework.
        missing = missing_framework_info(self.name, self.distribution, self.framework, self.capabilities)
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
    def pe_get_adapter(self, framework: str) -> Adapter | None:
        return self.load() if framework == self.name else None

    @hookimpl
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


__all__ = [
    "Adapter",
    "AdapterInfo",
    "AdapterPlugin",
    "AppClaim",
    "BridgedResponse",
    "Dispatcher",
    "HTTP_METHODS",
    "OPTIONAL_CAPABILITIES",
    "RouteIndex",
    "app_is_instance",
    "bridge_asgi_response",
    "class_verbs",
    "distribution_version",
    "function_verbs",
    "loaded_class",
    "missing_framework_info",
    "plain_error",
    "run_endpoint",
]
