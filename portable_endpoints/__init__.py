"""Write a Starlette-style HTTP or WebSocket endpoint once; mount it on any ASGI framework."""

import importlib
import typing

from portable_endpoints._api import adapters, create_app, mount, native_routes
from portable_endpoints.background import BackgroundTask, BackgroundTasks
from portable_endpoints.datastructures import URL, FormData, Headers, QueryParams, UploadFile
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.exceptions import (
    AdapterNotFound,
    AdapterUnavailable,
    ConfigurationError,
    HTTPException,
    PortableEndpointsError,
    WebSocketException,
)
from portable_endpoints.hookspecs import hookimpl
from portable_endpoints.hosting import Adapter, AdapterInfo
from portable_endpoints.requests import ClientDisconnect, HTTPConnection, Request
from portable_endpoints.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from portable_endpoints.routing import Mount, NoMatchFound, Route, RouteTable, WebSocketRoute
from portable_endpoints.websockets import WebSocket, WebSocketDisconnect, WebSocketState

if typing.TYPE_CHECKING:
    from portable_endpoints.broadcast import (
        BackendNotFound,
        BackendUnavailable,
        Broadcast,
        BroadcastBackend,
        BroadcastError,
        BrokerUnavailable,
        Forwarding,
        MessageTooLarge,
        SubscriberOverflow,
        Subscription,
    )
    from portable_endpoints.staticfiles import StaticFiles

__version__ = "0.1.0"

#: Public names loaded on first access (most apps never touch them): Broadcast's (and the asyncio
#: it imports), and StaticFiles (and the anyio it imports, which a host not built on anyio would
#: otherwise load at start-up). Name -> its module.
_LAZY_NAMES = {
    **dict.fromkeys(
        (
            "BackendNotFound",
            "BackendUnavailable",
            "Broadcast",
            "BroadcastBackend",
            "BroadcastError",
            "BrokerUnavailable",
            "Forwarding",
            "MessageTooLarge",
            "SubscriberOverflow",
            "Subscription",
        ),
        "portable_endpoints.broadcast",
    ),
    "StaticFiles": "portable_endpoints.staticfiles",
}


def __getattr__(name: str) -> typing.Any:
    module = _LAZY_NAMES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_NAMES))


__all__ = [
    "Adapter",
    "AdapterInfo",
    "AdapterNotFound",
    "AdapterUnavailable",
    "BackendNotFound",
    "BackendUnavailable",
    "BackgroundTask",
    "BackgroundTasks",
    "Broadcast",
    "BroadcastBackend",
    "BroadcastError",
    "BrokerUnavailable",
    "ClientDisconnect",
    "ConfigurationError",
    "FileResponse",
    "FormData",
    "Forwarding",
    "HTMLResponse",
    "HTTPConnection",
    "HTTPEndpoint",
    "HTTPException",
    "Headers",
    "JSONResponse",
    "MessageTooLarge",
    "Mount",
    "NoMatchFound",
    "PlainTextResponse",
    "PortableEndpointsError",
    "QueryParams",
    "RedirectResponse",
    "Request",
    "Response",
    "Route",
    "RouteTable",
    "StaticFiles",
    "StreamingResponse",
    "SubscriberOverflow",
    "Subscription",
    "URL",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketEndpoint",
    "WebSocketException",
    "WebSocketRoute",
    "WebSocketState",
    "__version__",
    "adapters",
    "create_app",
    "hookimpl",
    "mount",
    "native_routes",
]
