"""pytest plugin (``pytest11`` entry point): runs the conformance suite against chosen adapters.

``--pe-adapter NAME`` (repeatable) picks the adapters; by default every available one. Any test
that takes the ``pe_host`` fixture runs once per adapter, with a ``Host`` that builds apps every way
a user can (``create_app``, ``mount``, ``native_routes``), under a prefix and a ``root_path``.

``pytest --pe-adapter NAME`` with no test paths on the command line runs the conformance suite
(``SUITE``), whatever the project's ``testpaths``; with paths, it runs those, as pytest always does
(``pytest tests --pyargs portable_endpoints.testing.suite --pe-adapter NAME`` runs both).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

from portable_endpoints.hosting import AdapterInfo
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import BaseRoute, Mount, Route
from portable_endpoints.testing._client import TestClient
from portable_endpoints.testing.native_kit import NativeKit, NoNativeKit

#: The ways an app can serve portable routes: ``pe.create_app``, ``pe.mount`` into an app that has
#: a native route, and ``pe.native_routes`` composed by hand into a native app.
COMPOSITIONS = ("create_app", "mount", "native_routes")
#: The conformance suite's package, which ``--pe-adapter`` without test paths runs.
SUITE = "portable_endpoints.testing.suite"
#: The native route of every mounted or composed app, which must keep working beside portable ones.
NATIVE_PATH = "/native-route"
NATIVE_TEXT = "served by the host's own route"


async def _native_stand_in(request: Request) -> PlainTextResponse:
    return PlainTextResponse(NATIVE_TEXT)


class Host:
    """One adapter as the suite sees it: builds apps from routes, every way a user can, and opens clients.

    ``app(routes)`` is ``pe.create_app``; ``build(routes, composition, prefix=...)`` also mounts the
    routes into a native app that has a native route (``NATIVE_PATH``), or composes
    ``pe.native_routes`` into one by hand, through the adapter's native kit (``native_kit``).
    """

    def __init__(self, info: AdapterInfo) -> None:
        self.info = info
        self.name = info.name
        self._kit: NativeKit | None = None
        self._kit_asked = False

    @property
    def native_kit(self) -> NativeKit | None:
        """The adapter's ``NativeKit`` (from the ``pe_native_kit`` hook), or None if it provides none."""
        if not self._kit_asked:
            from portable_endpoints._plugins import plugin_manager

            kit = plugin_manager().hook.pe_native_kit(framework=self.name)
            if kit is not None and not isinstance(kit, NativeKit):
                raise TypeError(f"pe_native_kit({self.name!r}) returned {kit!r}, which is not a NativeKit")
            self._kit, self._kit_asked = kit, True
        return self._kit

    def require_native_kit(self) -> NativeKit:
        """The native kit; ``NoNativeKit`` if the adapter provides none."""
        kit = self.native_kit
        if kit is None:
            raise NoNativeKit(f"The {self.name!r} adapter provides no native kit (its pe_native_kit answers None)")
        return kit

    def app(self, routes: Sequence[BaseRoute], **options: Any) -> Any:
        from portable_endpoints import create_app

        return create_app(routes, framework=self.name, **options)

    def mounted_app(self, routes: Sequence[BaseRoute], *, prefix: str = "") -> Any:
        """A native app with a native route at ``NATIVE_PATH``, and ``routes`` mounted under ``prefix``.

        Without a native kit, the app is ``pe.create_app`` of a portable route standing in for the
        native one: the host has no native routes of its own.
        """
        from portable_endpoints import mount

        kit = self.native_kit
        if kit is None:
            app = self.app([Route(NATIVE_PATH, _native_stand_in)])
        else:
            app = kit.app_with_native_route(NATIVE_PATH, NATIVE_TEXT)
        mount(app, routes, prefix=prefix)
        return app

    def composed_app(self, routes: Sequence[BaseRoute], *, prefix: str = "") -> Any:
        """``pe.native_routes(routes, prefix=prefix)`` composed by hand into a native app with a native route."""
        from portable_endpoints import native_routes

        kit = self.require_native_kit()
        return kit.app_with_native_route(
            NATIVE_PATH, NATIVE_TEXT, native_routes(routes, framework=self.name, prefix=prefix)
        )

    def build(self, routes: Sequence[BaseRoute], composition: str = "create_app", *, prefix: str = "") -> Any:
        """An app serving ``routes`` under ``prefix``, made the ``composition`` way (see ``COMPOSITIONS``)."""
        if composition == "create_app":
            if prefix:
                return self.app([Mount(prefix, list(routes))])
            return self.app(routes)
        if composition == "mount":
            return self.mounted_app(routes, prefix=prefix)
        if composition == "native_routes":
            return self.composed_app(routes, prefix=prefix)
        raise ValueError(f"Unknown composition {composition!r}; known: {', '.join(COMPOSITIONS)}")

    def build_if_composable(
        self, routes: Sequence[BaseRoute], composition: str = "create_app", *, prefix: str = ""
    ) -> Any | None:
        """``build(...)``, or None for ``native_routes`` on an adapter without a native kit, after
        checking that absence is the declared one (the suite cannot compose routes by hand there)."""
        if composition == "native_routes" and self.native_kit is None:
            try:
                self.build(routes, composition, prefix=prefix)
            except NoNativeKit as exc:
                if f"The {self.name!r} adapter provides no native kit" not in str(exc):
                    raise
                return None
            raise AssertionError(f"{self.name}: native_routes composed without a native kit")
        return self.build(routes, composition, prefix=prefix)

    def supports(self, capability: str) -> bool:
        return capability in self.info.capabilities

    @asynccontextmanager
    async def client(
        self,
        routes: Sequence[BaseRoute],
        *,
        composition: str = "create_app",
        prefix: str = "",
        **client_options: Any,
    ) -> AsyncIterator[TestClient]:
        """A ``TestClient`` (``root_path=``, ``raise_app_exceptions=``...) on ``build(routes, ...)``."""
        async with TestClient(self.build(routes, composition, prefix=prefix), **client_options) as client:
            yield client

    def __repr__(self) -> str:
        return f"Host({self.name!r})"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("portable-endpoints")
    group.addoption(
        "--pe-adapter",
        action="append",
        default=[],
        metavar="NAME",
        help="run the conformance suite on this adapter (repeatable; default: every available one)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("pe_adapter") and config.args_source is not pytest.Config.ArgsSource.ARGS:
        # No test paths given: what ``--pe-adapter`` asks for is the suite, found as a package.
        config.args = [SUITE]
        config.option.pyargs = True


def selected_adapters(config: pytest.Config) -> list[AdapterInfo]:
    from portable_endpoints import adapters
    from portable_endpoints._plugins import get_adapter

    wanted: list[str] = config.getoption("pe_adapter")
    infos = {info.name: info for info in adapters()}
    if not wanted:
        return [info for info in infos.values() if info.available]
    for name in wanted:
        get_adapter(name)  # a clear error for an unknown or unavailable adapter
    return [infos[name] for name in wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pe_host" in metafunc.fixturenames:
        infos = selected_adapters(metafunc.config)
        metafunc.parametrize("pe_host", [Host(info) for info in infos], ids=[info.name for info in infos])


def pytest_report_header(config: pytest.Config) -> str:
    try:
        infos = selected_adapters(config)
    except Exception as exc:  # the header must not hide the real error, which the tests will raise
        return f"portable-endpoints adapters: cannot load ({exc})"
    return "portable-endpoints adapters: " + ", ".join(
        f"{info.name} ({info.framework} {info.framework_version})" for info in infos
    )
