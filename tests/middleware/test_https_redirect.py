"""Starlette 1.10's ``tests/middleware/test_https_redirect.py``, ported: imports changed,
``Starlette(...)`` is ``asgi_app(...)``, the client is async (``await``); ``follow_redirects=False``
goes (the portable client never follows redirects).
"""

from __future__ import annotations

import pytest

from portable_endpoints.middleware import Middleware
from portable_endpoints.middleware.httpsredirect import HTTPSRedirectMiddleware
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import Route
from portable_endpoints.types import Receive, Scope, Send
from tests.middleware.porting import TestClientFactory, asgi_app

pytestmark = pytest.mark.anyio


async def test_https_redirect_middleware(test_client_factory: TestClientFactory) -> None:
    def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse("OK", status_code=200)

    app = asgi_app(
        routes=[Route("/", endpoint=homepage)],
        middleware=[Middleware(HTTPSRedirectMiddleware)],
    )

    client = await test_client_factory(app, base_url="https://testserver")
    response = await client.get("/")
    assert response.status_code == 200

    client = await test_client_factory(app)
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/"

    client = await test_client_factory(app, base_url="http://testserver:80")
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/"

    client = await test_client_factory(app, base_url="http://testserver:443")
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/"

    client = await test_client_factory(app, base_url="http://testserver:123")
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver:123/"

    client = await test_client_factory(app)
    response = await client.get("/", headers={"host": "testserver:000080"})
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/"

    response = await client.get("/", headers={"host": "testserver:65536"})
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/"

    response = await client.get("/", headers={"host": "[:::]"})
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/"

    client = await test_client_factory(app, base_url="http://[::1]")
    response = await client.get("/", headers={"host": "[:::]"})
    assert response.status_code == 307
    assert response.headers["location"] == "https://[::1]/"


@pytest.mark.parametrize("host", ["testserver:65536", "[:::]"])
async def test_https_redirect_middleware_without_server(test_client_factory: TestClientFactory, host: str) -> None:
    middleware = HTTPSRedirectMiddleware(PlainTextResponse("OK"))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope.pop("server", None)
        await middleware(scope, receive, send)

    client = await test_client_factory(app)
    response = await client.get("/", headers={"host": host})
    assert response.status_code == 400
    assert response.text == "Invalid host header"
