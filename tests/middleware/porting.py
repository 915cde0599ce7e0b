"""What Starlette's middleware tests import from Starlette's test setup, for the ported copies here.

``asgi_app(routes=..., middleware=...)`` stands for ``Starlette(routes=..., middleware=...)``: the
built-in asgi host's app inside the middleware, as ``wrap`` builds it. ``TestClientFactory`` is the
``test_client_factory`` fixture's type (``conftest.py``): ``await`` it, and the client's calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from portable_endpoints import create_app
from portable_endpoints.middleware import Middleware, wrap
from portable_endpoints.routing import BaseRoute
from portable_endpoints.testing import TestClient
from portable_endpoints.types import ASGIApp

TestClientFactory = Callable[..., Awaitable[TestClient]]


def asgi_app(routes: Sequence[BaseRoute] = (), middleware: Sequence[Middleware] = ()) -> ASGIApp:
    """Starlette's ``Starlette(routes=routes, middleware=middleware)``, on the built-in asgi host."""
    app: ASGIApp = wrap(create_app(list(routes), framework="asgi"), middleware)
    return app
