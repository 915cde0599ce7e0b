"""Registers the built-in ``asgi`` adapter through the entry-point group, like any other adapter."""

from __future__ import annotations

from typing import Any

from portable_endpoints._asgi.app import PortableASGIApp
from portable_endpoints.exceptions import ConfigurationError
from portable_endpoints.hookspecs import _answers_by_key, hookimpl
from portable_endpoints.hosting import AdapterInfo, distribution_version
from portable_endpoints.routing import RouteTable


class ASGIAdapter:
    name = "asgi"
    #: an endpoint's exception leaves ``PortableASGIApp`` as it came (no handler of the host's own)
    raises_endpoint_exceptions = True

    def create_app(self, table: RouteTable, options: dict[str, Any]) -> PortableASGIApp:
        if options:
            raise ConfigurationError(
                f"The asgi host takes no native options, only the portable ones, not {', '.join(sorted(options))} "
                "(middleware= entries must be Middleware(cls, ...) declarations)"
            )
        return PortableASGIApp(table)

    def native_routes(self, table: RouteTable) -> PortableASGIApp:
        return PortableASGIApp(table)

    def mount(self, app: PortableASGIApp, table: RouteTable) -> None:
        app.include(table)


ADAPTER = ASGIAdapter()


@hookimpl
def pe_adapter_info() -> AdapterInfo:
    return AdapterInfo(
        name="asgi",
        distribution="portable-endpoints",
        version=distribution_version("portable-endpoints") or "unknown",
        framework="asgi",
        framework_version="3.0",
        capabilities=frozenset(
            {"http.streaming_request_body", "native_routes.any_method", "websocket.denial_response"}
        ),
    )


@hookimpl
@_answers_by_key
def pe_get_adapter(framework: str) -> ASGIAdapter | None:
    return ADAPTER if framework == "asgi" else None


@hookimpl
@_answers_by_key
def pe_get_adapter_for_app(app: object) -> ASGIAdapter | None:
    return ADAPTER if isinstance(app, PortableASGIApp) else None
