"""Starlette 1.10's ``tests/middleware/test_trusted_host.py``, ported: imports changed,
``Starlette(...)`` is ``asgi_app(...)``, the client is async (``await``). The portable client never
follows redirects: ``test_www_redirect`` checks the 307 and then the page it leads to.
"""

from __future__ import annotations

import pytest

from portable_endpoints.middleware import Middleware
from portable_endpoints.middleware.trustedhost import TrustedHostMiddleware
from portable_endpoints.requests import Request
from portable_endpoints.responses import PlainTextResponse
from portable_endpoints.routing import Route
from tests.middleware.porting import TestClientFactory, asgi_app

pytestmark = pytest.mark.anyio


async def test_trusted_host_middleware(test_client_factory: TestClientFactory) -> None:
    def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse("OK", status_code=200)

    app = asgi_app(
        routes=[Route("/", endpoint=homepage)],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "*.testserver"])],
    )

    client = await test_client_factory(app)
    response = await client.get("/")
    assert response.status_code == 200

    client = await test_client_factory(app, base_url="http://subdomain.testserver")
    response = await client.get("/")
    assert response.status_code == 200

    client = await test_client_factory(app, base_url="http://invalidhost")
    response = await client.get("/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("host", "status_code"),
    [
        ("[::1]", 200),
        ("[::1]:8000", 200),
        ("[v1.foo]", 200),
        ("[:::]", 400),
        ("[::ffff:999.999.999.999]", 400),
        ("[2001:db8::1]", 400),
        ("[::1", 400),
        ("[::1]evil.example.com", 400),
        ("[::1]@attacker", 400),
        ("[::1].", 400),
        ("[::1]:evil", 400),
        ("[::1]:", 400),
        ("api_service", 200),
        ("api_service:000080", 200),
        ("api_service:65535", 200),
        ("api_service:65536", 200),
        ("api_service:100000", 200),
        ("api_service:8000", 200),
        ("api_service/evil", 400),
        ("api_service?evil", 400),
        ("api_service#evil", 400),
        ("api_service@attacker", 400),
        ("api service", 400),
    ],
)
async def test_trusted_host_middleware_ipv6(
    test_client_factory: TestClientFactory, host: str, status_code: int
) -> None:
    def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse("OK")

    app = asgi_app(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["[::1]", "[v1.foo]", "api_service", "*.example.com"])
        ],
    )

    client = await test_client_factory(app)
    response = await client.get("/", headers={"host": host})
    assert response.status_code == status_code


def test_default_allowed_hosts() -> None:
    app = asgi_app()
    middleware = TrustedHostMiddleware(app)
    assert middleware.allowed_hosts == ["*"]


async def test_www_redirect(test_client_factory: TestClientFactory) -> None:
    def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse("OK", status_code=200)

    app = asgi_app(
        routes=[Route("/", endpoint=homepage)],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["www.example.com"])],
    )

    client = await test_client_factory(app, base_url="https://example.com")
    response = await client.get("/")
    # The portable client does not follow redirects: the redirect, then the page it leads to.
    assert response.status_code == 307
    assert response.headers["location"] == "https://www.example.com/"
    client = await test_client_factory(app, base_url="https://www.example.com")
    response = await client.get("/")
    assert response.status_code == 200


async def test_trusted_host_middleware_is_case_insensitive(test_client_factory: TestClientFactory) -> None:
    app = TrustedHostMiddleware(PlainTextResponse("OK"), allowed_hosts=["Example.com"])

    client = await test_client_factory(app)
    response = await client.get("/", headers={"host": "example.COM"})
    assert response.status_code == 200
