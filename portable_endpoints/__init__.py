"""Write a Starlette-style HTTP or WebSocket endpoint once; mount it on any ASGI framework."""

from portable_endpoints._api import adapters, create_app, mount, native_routes
from portable_endpoints.background import BackgroundTask, BackgroundTasks
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

__version__ = "0.1.0"

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
