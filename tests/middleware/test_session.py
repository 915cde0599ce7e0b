"""Starlette 1.10's ``tests/middleware/test_session.py``, ported: imports changed, ``Starlette(...)`` is
``asgi_app(...)``, the client is async (``await``). ``Mount(app=...)`` is a ``Mount`` of routes
inside the middleware (``test_session_cookie_subpath``).
"""

import re
import sys

import pytest

from portable_endpoints.middleware import Middleware
from portable_endpoints.middleware.sessions import Session, SessionMiddleware
from portable_endpoints.requests import Request
from portable_endpoints.responses import JSONResponse
from portable_endpoints.routing import Mount, Route
from portable_endpoints.testing import TestClient
from tests.middleware.porting import TestClientFactory, asgi_app

pytestmark = pytest.mark.anyio


def view_session(request: Request) -> JSONResponse:
    return JSONResponse({"session": request.session})


async def update_session(request: Request) -> JSONResponse:
    data = await request.json()
    request.session.update(data)
    return JSONResponse({"session": request.session})


async def inplace_update_session(request: Request) -> JSONResponse:
    data = await request.json()
    session = request.session
    session |= data
    return JSONResponse({"session": request.session})


async def popitem_session(request: Request) -> JSONResponse:
    request.session.popitem()
    return JSONResponse({"session": request.session})


async def clear_session(request: Request) -> JSONResponse:
    request.session.clear()
    return JSONResponse({"session": request.session})


def no_session_access(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def test_session(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
            Route("/clear_session", endpoint=clear_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example")],
    )
    client = await test_client_factory(app)

    response = await client.get("/view_session")
    assert response.json() == {"session": {}}

    response = await client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # check cookie max-age
    set_cookie = response.headers["set-cookie"]
    max_age_matches = re.search(r"; Max-Age=([0-9]+);", set_cookie)
    assert max_age_matches is not None
    assert int(max_age_matches[1]) == 14 * 24 * 3600

    response = await client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}

    response = await client.post("/clear_session")
    assert response.json() == {"session": {}}

    response = await client.get("/view_session")
    assert response.json() == {"session": {}}


@pytest.mark.parametrize("partitioned", [False, True])
async def test_partitioned_session(test_client_factory: TestClientFactory, partitioned: bool) -> None:
    app = asgi_app(
        routes=[
            Route("/update_session", endpoint=update_session, methods=["POST"]),
            Route("/clear_session", endpoint=clear_session, methods=["POST"]),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key="example",
                https_only=True,
                same_site="none",
                partitioned=partitioned,
            )
        ],
    )
    client = await test_client_factory(app, base_url="https://testserver")
    response = await client.post("/update_session", json={"some": "data"})
    attributes = response.headers["set-cookie"].split("; ")
    assert ("partitioned" in attributes) is partitioned

    response = await client.post("/clear_session")
    attributes = response.headers["set-cookie"].split("; ")
    assert ("partitioned" in attributes) is partitioned


async def test_session_expires(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example", max_age=-1)],
    )
    client = await test_client_factory(app)

    response = await client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # requests removes expired cookies from response.cookies, we need to
    # fetch session id from the headers and pass it explicitly
    expired_cookie_header = response.headers["set-cookie"]
    expired_session_match = re.search(r"session=([^;]*);", expired_cookie_header)
    assert expired_session_match is not None
    expired_session_value = expired_session_match[1]
    client = await test_client_factory(app, cookies={"session": expired_session_value})
    response = await client.get("/view_session")
    assert response.json() == {"session": {}}


async def test_secure_session(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
            Route("/clear_session", endpoint=clear_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example", https_only=True)],
    )
    secure_client = await test_client_factory(app, base_url="https://testserver")
    unsecure_client = await test_client_factory(app, base_url="http://testserver")

    response = await unsecure_client.get("/view_session")
    assert response.json() == {"session": {}}

    response = await unsecure_client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    response = await unsecure_client.get("/view_session")
    assert response.json() == {"session": {}}

    response = await secure_client.get("/view_session")
    assert response.json() == {"session": {}}

    response = await secure_client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    response = await secure_client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}

    response = await secure_client.post("/clear_session")
    assert response.json() == {"session": {}}

    response = await secure_client.get("/view_session")
    assert response.json() == {"session": {}}


async def test_session_cookie_subpath(test_client_factory: TestClientFactory) -> None:
    # Mount takes routes only here, not an app: the middleware wraps the app around the mount,
    # and the client's base_url has no path (the portable client uses its scheme and host).
    app = asgi_app(
        routes=[Mount("/second_app", routes=[Route("/update_session", endpoint=update_session, methods=["POST"])])],
        middleware=[Middleware(SessionMiddleware, secret_key="example", path="/second_app")],
    )
    client = await test_client_factory(app, base_url="http://testserver")
    response = await client.post("/second_app/update_session", json={"some": "data"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    cookie_path_match = re.search(r"; path=(\S+);", cookie)
    assert cookie_path_match is not None
    cookie_path = cookie_path_match.groups()[0]
    assert cookie_path == "/second_app"


async def test_invalid_session_cookie(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example")],
    )
    client = await test_client_factory(app)

    response = await client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # we expect it to not raise an exception if we provide a bogus session cookie
    client = await test_client_factory(app, cookies={"session": "invalid"})
    response = await client.get("/view_session")
    assert response.json() == {"session": {}}


async def test_session_cookie(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example", max_age=None)],
    )
    client: TestClient = await test_client_factory(app)

    response = await client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # check cookie max-age
    set_cookie = response.headers["set-cookie"]
    assert "Max-Age" not in set_cookie

    del client.cookies["session"]
    response = await client.get("/view_session")
    assert response.json() == {"session": {}}


async def test_session_zero_max_age(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[Route("/update_session", endpoint=update_session, methods=["POST"])],
        middleware=[Middleware(SessionMiddleware, secret_key="example", max_age=0)],
    )
    client = await test_client_factory(app)

    response = await client.post("/update_session", json={"some": "data"})
    assert "; Max-Age=0; " in response.headers["set-cookie"]


async def test_domain_cookie(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example", domain=".example.com")],
    )
    client: TestClient = await test_client_factory(app)

    response = await client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}

    # check cookie max-age
    set_cookie = response.headers["set-cookie"]
    assert "domain=.example.com" in set_cookie

    del client.cookies["session"]
    response = await client.get("/view_session")
    assert response.json() == {"session": {}}


async def test_set_cookie_only_on_modification(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example")],
    )
    client = await test_client_factory(app)

    # Write to session - should send Set-Cookie
    response = await client.post("/update_session", json={"some": "data"})
    assert "set-cookie" in response.headers

    # Read-only access - should NOT send Set-Cookie
    response = await client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}
    assert "set-cookie" not in response.headers


async def test_vary_cookie_on_access(test_client_factory: TestClientFactory) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
            Route("/no_session", endpoint=no_session_access),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example")],
    )
    client = await test_client_factory(app)

    # Modifying session should add Vary: Cookie
    response = await client.post("/update_session", json={"some": "data"})
    assert "cookie" in response.headers.get("vary", "").lower()

    # Reading a non-empty session should add Vary: Cookie
    response = await client.get("/view_session")
    assert "cookie" in response.headers.get("vary", "").lower()

    # Not accessing session at all should NOT add Vary: Cookie
    response = await client.get("/no_session")
    assert "cookie" not in response.headers.get("vary", "").lower()


def test_session_tracks_modification() -> None:
    session = Session({"a": "1", "b": "2"})
    assert not session.modified

    # __setitem__
    session["c"] = "3"
    assert session.modified

    # __delitem__
    session = Session({"a": "1"})
    del session["a"]
    assert session.modified

    # clear
    session = Session({"a": "1"})
    session.clear()
    assert session.modified

    # pop with existing key
    session = Session({"a": "1"})
    session.pop("a")
    assert session.modified
    assert session.accessed

    # pop with missing key
    session = Session({"a": "1"})
    session.pop("missing", None)
    assert not session.modified
    assert not session.accessed

    # setdefault with missing key
    session = Session({"a": "1"})
    session.setdefault("b", "2")
    assert session.modified

    # setdefault with existing key
    session = Session({"a": "1"})
    session.setdefault("a", "2")
    assert not session.modified


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("/inplace_update_session", {"c": "3"}, {"a": "1", "b": "2", "c": "3"}),
        ("/popitem_session", None, {"a": "1"}),
    ],
)
async def test_session_persists_mutations(
    test_client_factory: TestClientFactory,
    path: str,
    data: dict[str, str] | None,
    expected: dict[str, str],
) -> None:
    app = asgi_app(
        routes=[
            Route("/view_session", endpoint=view_session),
            Route("/update_session", endpoint=update_session, methods=["POST"]),
            Route("/inplace_update_session", endpoint=inplace_update_session, methods=["POST"]),
            Route("/popitem_session", endpoint=popitem_session, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="example")],
    )
    client = await test_client_factory(app)

    response = await client.post("/update_session", json={"a": "1", "b": "2"})
    assert response.json() == {"session": {"a": "1", "b": "2"}}

    response = await client.post(path, json=data)
    assert response.json() == {"session": expected}

    response = await client.get("/view_session")
    assert response.json() == {"session": expected}


def test_a_missing_itsdangerous_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not in Starlette's file: itsdangerous comes with the ``sessions`` extra here.
    monkeypatch.setitem(sys.modules, "itsdangerous", None)
    with pytest.raises(ImportError, match=re.escape('pip install "portable-endpoints[sessions]"')):
        SessionMiddleware(asgi_app(), secret_key="example")
