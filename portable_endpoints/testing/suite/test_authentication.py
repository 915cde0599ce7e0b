"""Starlette's ``tests/test_authentication.py``, re-expressed on every host and composition, and the
security rules around it: who is calling reaches the endpoint only through the middleware's checks.

The app is the host's own (``create_app``, ``mount`` or ``native_routes``) inside the portable
``AuthenticationMiddleware``, as ``middleware=`` puts it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from portable_endpoints import HTTPEndpoint, JSONResponse, Request, Route, WebSocket, WebSocketRoute
from portable_endpoints.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
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
from portable_endpoints.websockets import WebSocketDisconnect

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


def authenticated_app(
    pe_host: Host,
    composition: str,
    routes: list[Any] = ROUTES,
    backend: AuthenticationBackend | None = None,
    **options: Any,
) -> Any:
    """The host's app inside the middleware; a host with no native kit (nothing to compose native
    routes into) serves ``native_routes`` as ``create_app``."""
    if composition == "native_routes" and pe_host.native_kit is None:
        composition = "create_app"
    middleware = [Middleware(AuthenticationMiddleware, backend=backend or BasicAuth(), **options)]
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


SECRET = "secret-token-123"


class FailingBackend(AuthenticationBackend):
    """A backend with a bug (not an ``AuthenticationError``), whose message holds a secret."""

    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, BaseUser] | None:
        raise RuntimeError(SECRET)


class FailingUser(BaseUser):
    """An authenticated user whose name fails to load, inside the host, with a secret in the error."""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        raise RuntimeError(SECRET)


class FailingUserBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, BaseUser]:
        return AuthCredentials(["authenticated"]), FailingUser()


class _Recorder(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.INFO)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def logged() -> Iterator[list[logging.LogRecord]]:
    """Every record at INFO or above from now on, also from loggers that do not propagate to the
    root (a host may configure logging when its app is built, so enter this after building it)."""
    records: list[logging.LogRecord] = []
    handler = _Recorder(records)
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in list(logging.root.manager.loggerDict.values())
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    level = root.level
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        root.setLevel(level)


def leaks(records: list[logging.LogRecord], secret: str) -> list[str]:
    """The records that show ``secret``: in a message at any level, or in a traceback below ERROR.

    A traceback at ERROR (the host's or the server's own report of an unhandled exception, as
    uvicorn logs one for Starlette) is where an operator looks for the cause: it may show it.
    """
    found = []
    for record in records:
        shown = record.exc_info is not None and record.exc_info[0] is not None
        trace = "".join(traceback.format_exception(*record.exc_info)) if shown and record.exc_info else ""
        if secret in record.getMessage() or (secret in trace and record.levelno < logging.ERROR):
            found.append(f"{record.name} {record.levelname}: {record.getMessage()}")
    return found


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_a_failing_backend_is_a_500_without_its_text(pe_host: Host, composition: str) -> None:
    app = authenticated_app(pe_host, composition, backend=FailingBackend())
    async with TestClient(app, raise_app_exceptions=False) as client:
        with logged() as records:
            response = await client.get("/")
            assert response.status_code == 500
            assert SECRET not in response.text
            assert "Traceback" not in response.text
            with pytest.raises(WebSocketRejected) as refused:
                async with client.websocket_connect("/ws"):
                    pass
            assert SECRET not in refused.value.content.decode("latin-1")
    assert leaks(records, SECRET) == []
    # Nothing turned the exception into an answer: it reaches the server, which answers the 500.
    async with TestClient(app) as client:
        with pytest.raises(RuntimeError, match=SECRET):
            await client.get("/dashboard")


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_a_user_failing_inside_the_endpoint_is_the_hosts_500_without_its_text(
    pe_host: Host, composition: str
) -> None:
    app = authenticated_app(pe_host, composition, backend=FailingUserBackend())
    async with TestClient(app, raise_app_exceptions=False) as client:
        with logged() as records:
            for path in ("/", "/dashboard", "/dashboard/sync", "/dashboard/class"):
                response = await client.get(path)
                assert response.status_code == 500, path
                assert SECRET not in response.text, path
                assert "Traceback" not in response.text, path
            # Accepted, then the endpoint fails: the close (by the host, else the server) does not carry the error.
            async with client.websocket_connect("/ws") as websocket:
                with pytest.raises(WebSocketDisconnect) as closed:
                    await websocket.receive()
            assert SECRET not in closed.value.reason
    assert leaks(records, SECRET) == []


@pytest.mark.parametrize("composition", COMPOSITIONS)
async def test_a_websocket_refused_by_requires_is_never_accepted(pe_host: Host, composition: str) -> None:
    reached: list[str] = []

    @requires("admin")
    async def admin_socket(websocket: WebSocket) -> None:
        reached.append("endpoint")
        await websocket.accept()

    app = authenticated_app(pe_host, composition, [WebSocketRoute("/admin", admin_socket)])
    async with TestClient(app) as client:
        for headers in ({}, CREDENTIALS):  # nobody, then authenticated without the "admin" scope
            with pytest.raises(WebSocketRejected) as refused:
                async with client.websocket_connect("/admin", headers=headers):
                    pass
            assert refused.value.status_code == 403
            assert "tomchristie" not in refused.value.content.decode("latin-1")
            assert CREDENTIALS["Authorization"] not in str(refused.value.headers)
    assert reached == []
