"""What an adapter is: the ``Adapter`` protocol and ``AdapterInfo``, for adapter authors.

The core has already validated and flattened the user's routes into a ``RouteTable`` (full paths,
names, compiled paths, verb tables) before an adapter sees them; the adapter only registers them
with its host and translates requests, websockets, responses and errors.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

from portable_endpoints.exceptions import AdapterUnavailable
from portable_endpoints.hookspecs import hookimpl
from portable_endpoints.routing import RouteTable

#: Features a host may lack. An adapter lists those it supports in ``AdapterInfo.capabilities``;
#: the conformance suite tests each declared one, and checks the clear error of each undeclared one.
#: ``http.streaming_request_body``: ``request.stream()`` yields the body as it arrives (a host that
#: reads whole bodies before the endpoint runs yields it in one chunk).
OPTIONAL_CAPABILITIES = frozenset({"websocket.denial_response", "http.streaming_request_body"})


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


@runtime_checkable
class Adapter(Protocol):
    """The object ``pe_get_adapter`` returns: it registers a ``RouteTable`` with its host."""

    name: str

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> Any:
        """A new native app serving ``table``; ``options`` go to the app's constructor untouched."""
        ...

    def native_routes(self, table: RouteTable) -> Any:
        """The native route objects for ``table``, for the user to compose into their own app."""
        ...

    def mount(self, app: Any, table: RouteTable) -> None:
        """Add ``table`` (its paths already carry the mount prefix) to the existing native ``app``."""
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
    loaded = sys.modules.get(module)
    cls = getattr(loaded, class_name, None) if loaded is not None else None
    return isinstance(cls, type) and isinstance(app, cls)


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
    def pe_get_adapter_for_app(self, app: object) -> Adapter | None:
        if any(app_is_instance(app, module, cls) for module, cls in self.app_classes):
            return self.load()
        return None
