"""Starlette's ``tests/test_authentication.py``, re-expressed on every host and composition, and the
security rules around it: who is calling reaches the endpoint only through the middleware's checks.

The app is the host's own (``create_app``, ``mount`` or ``native_routes``) inside the portable
``AuthenticationMiddleware``, as ``middleware=`` puts it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    SimpleUser,
    UnauthenticatedUser,
    has_required_scope,
    requires,
)
from portable_endpoints.middleware import Middleware, wrap
from portable_endpoints.middleware.authentication import AuthenticationMiddleware
from portable_endpoints.requests import HTTPConnection
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected
from portable_endpoints.testing.plugin import COMPOSITIONS, Host

pytestmark = pytest.mark.anyio
CREDENTIALS = {"Authorization": "Basic " + base64.b64encode(b"tomchristie:example").decode()}
TOM = {"authenticated": True, "user": "tomchristie"}
NOBODY = {"authenticated": False, "user": ""}


class BasicAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, SimpleUser] | None:
        if "Authorization" not in conn.headers:
            return None
        auth = conn.headers["Authorization"]
        try:
            _scheme, credentials = auth.split()
            decoded = base64.b64decode(credentials).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AuthenticationError("Invalid basic auth credentials") from None
        username, _, _password = decoded.partition(":")
        return AuthCredentials(["authenticated"]), SimpleUser(username)


def who(request: Request | WebSocket) -> dict[str, Any]:
    return {"authenticated": request.user.is_authenticated, "user": request.user.display_name}


def homepage(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


@requires("authenticated")
async def dashboard(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


@requires("authenticated", redirect="homepage")
async def admin(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


@requires("authenticated")
def dashboard_sync(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


class Dashboard(HTTPEndpoint):
    @requires("authenticated")
    def get(self, request: Request) -> JSONResponse:
        return JSONResponse(who(request))


@requires("authenticated", redirect="homepage")
def admin_sync(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


@requires("authenticated")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(who(websocket))


ROUTES = [
    Route("/", homepage),
    Route("/dashboard", dashboard),
    Route("/admin", admin),
    Route("/dashboard/sync", dashboard_sync),
    Route("/dashboard/class", Dashboard),
    Route("/admin/sync", admin_sync),
    WebSocketRoute("/ws", websocket_endpoint),
]


def authenticated_app(pe_host: Host, composition: str, routes: list[Any] = ROUTES, **options: Any) -> Any:
    """The host's app inside the middleware; a host with no native kit (nothing to compose native
    routes into) serves ``native_routes`` as ``create_app``."""
    if composition == "native_routes" and pe_host.native_kit is None:
        composition = "create_app"
    middleware = [Middleware(AuthenticationMiddleware, backend=BasicAuth(), **options)]
    return wrap(pe_host.build(routes, composition), middleware)


def test_invalid_decorator_usage() -> None:
    with pytest.raises(Exception, match='No "request" or "websocket" argument'):

        @requires("authenticated")
        def foo() -> None: ...


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_user_interface(pe_host: Host, composition: str) -> None:
    async with TestClient(authenticated_app(pe_host, composition)) as client:
        response = await client.get("/")
        assert response.status_code == 200
        assert response.json() == NOBODY
        response = await client.get("/", headers=CREDENTIALS)
        assert response.status_code == 200
        assert response.json() == TOM


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_authentication_required(pe_host: Host, composition: str) -> None:
    async with TestClient(authenticated_app(pe_host, composition)) as client:
        for path in ("/dashboard", "/dashboard/sync", "/dashboard/class"):
            response = await client.get(path)
            assert response.status_code == 403, path
            response = await client.get(path, headers=CREDENTIALS)
            assert response.status_code == 200, path
            assert response.json() == TOM
        response = await client.get("/dashboard", headers={"Authorization": "basic foobar"})
        assert response.status_code == 400
        assert response.text == "Invalid basic auth credentials"


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_websocket_authentication_required(pe_host: Host, composition: str) -> None:
    async with TestClient(authenticated_app(pe_host, composition)) as client:
        for headers in ({}, {"Authorization": "basic foobar"}):
            with pytest.raises(WebSocketRejected) as refused:
                async with client.websocket_connect("/ws", headers=headers):
                    pass
            assert refused.value.status_code == 403
        async with client.websocket_connect("/ws", headers=CREDENTIALS) as websocket:
            assert await websocket.receive_json() == TOM


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_authentication_redirect(pe_host: Host, composition: str) -> None:
    async with TestClient(authenticated_app(pe_host, composition)) as client:
        for path in ("/admin", "/admin/sync"):
            response = await client.get(path)
            assert response.status_code == 303, path
            assert (
                response.headers["location"]
                == f"http://testserver/?next=http%3A%2F%2Ftestserver{path.replace('/', '%2F')}"
            )
            response = await client.get(path, headers=CREDENTIALS)
            assert response.status_code == 200
            assert response.json() == TOM


async def test_custom_on_error(pe_host: Host) -> None:
    def on_auth_error(request: HTTPConnection[Any], exc: AuthenticationError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=401)

    async with TestClient(authenticated_app(pe_host, "create_app", on_error=on_auth_error)) as client:
        response = await client.get("/dashboard", headers=CREDENTIALS)
        assert response.status_code == 200
        assert response.json() == TOM
        response = await client.get("/dashboard", headers={"Authorization": "basic foobar"})
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid basic auth credentials"}


async def test_without_the_middleware_user_and_auth_say_what_to_install(pe_host: Host) -> None:
    async def probe(request: Request) -> JSONResponse:
        errors = {}
        for name in ("user", "auth"):
            try:
                getattr(request, name)
            except AssertionError as exc:
                errors[name] = str(exc)
        return JSONResponse(errors)

    async with pe_host.client([Route("/", probe)]) as client:
        assert (await client.get("/")).json() == {
            "user": "AuthenticationMiddleware must be installed to access request.user",
            "auth": "AuthenticationMiddleware must be installed to access request.auth",
        }


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_unauthenticated_requests_never_reach_the_method(pe_host: Host, composition: str) -> None:
    reached: list[str] = []

    class Secret(HTTPEndpoint):
        @requires(["authenticated", "admin"])
        async def get(self, request: Request) -> JSONResponse:
            reached.append(request.user.display_name)
            return JSONResponse({"secret": 42})

        @requires("authenticated")
        async def post(self, request: Request) -> JSONResponse:
            reached.append("post")
            return JSONResponse({"scopes": request.auth.scopes})

    async with TestClient(authenticated_app(pe_host, composition, [Route("/secret", Secret)])) as client:
        assert (await client.get("/secret")).status_code == 403
        # Authenticated, but without the "admin" scope.
        assert (await client.get("/secret", headers=CREDENTIALS)).status_code == 403
        assert (await client.post("/secret")).status_code == 403
        assert reached == []
        allowed = await client.post("/secret", headers=CREDENTIALS)
        assert allowed.json() == {"scopes": ["authenticated"]}
        assert reached == ["post"]


async def test_refused_credentials_never_appear_in_the_answer(pe_host: Host) -> None:
    secret = base64.b64encode(b"s3cr3t-password-value").decode()
    async with TestClient(authenticated_app(pe_host, "create_app")) as client:
        for headers in ({"Authorization": f"Basic {secret} extra"}, {"Authorization": f"Basic{secret}"}):
            response = await client.get("/dashboard", headers=headers)
            assert response.status_code == 400
            assert secret not in response.text
            assert "s3cr3t" not in response.text
        with pytest.raises(WebSocketRejected) as refused:
            async with client.websocket_connect("/ws", headers={"Authorization": f"Basic {secret} x"}):
                pass
        assert secret not in refused.value.content.decode("latin-1")


def test_users_and_scopes() -> None:
    user, nobody = SimpleUser("ada"), UnauthenticatedUser()
    assert (user.is_authenticated, user.display_name, user.identity) == (True, "ada", "ada")
    assert (nobody.is_authenticated, nobody.display_name, nobody.identity) == (False, "", "")
    conn: HTTPConnection[Any] = HTTPConnection({"type": "http", "auth": AuthCredentials(["a", "b"])})
    assert has_required_scope(conn, ["a", "b"])
    assert not has_required_scope(conn, ["a", "c"])
    assert AuthCredentials().scopes == []
