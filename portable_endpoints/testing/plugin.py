"""pytest plugin (``pytest11`` entry point): runs the conformance suite against chosen adapters.

``--pe-adapter NAME`` (repeatable) picks the adapters; by default every available one. Any test
that takes the ``pe_host`` fixture runs once per adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

from portable_endpoints.hosting import AdapterInfo
from portable_endpoints.routing import BaseRoute
from portable_endpoints.testing._client import TestClient


class Host:
    """One adapter as the suite sees it: builds apps from routes and opens clients on them."""

    def __init__(self, info: AdapterInfo) -> None:
        self.info = info
        self.name = info.name

    def app(self, routes: Sequence[BaseRoute], **options: Any) -> Any:
        from portable_endpoints import create_app

        return create_app(routes, framework=self.name, **options)

    def supports(self, capability: str) -> bool:
        return capability in self.info.capabilities

    @asynccontextmanager
    async def client(self, routes: Sequence[BaseRoute], **client_options: Any) -> AsyncIterator[TestClient]:
        async with TestClient(self.app(routes), **client_options) as client:
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
