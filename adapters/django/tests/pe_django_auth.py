"""Django's own authentication and sessions behind portable endpoints, in a process of its own.

Settings are process-wide and the test process's Django has no apps and no database, so
``test_django_auth.py`` runs this script: sqlite in the file given as the first argument,
``django.contrib.auth`` with database sessions, a user holding one permission, then a
``create_app`` app (behind Channels' ``AuthMiddlewareStack`` for WebSockets), the same routes
``pe.mount``-ed into a project's Channels ``ProtocolTypeRouter`` (``AuthMiddlewareStack`` around
its WebSocket router), and a portable ``AuthenticationMiddleware`` around the app. It prints one
JSON line per step; the test asserts.
"""

from __future__ import annotations

import json
import sys
import types
from typing import Any

import anyio
import django
from django.conf import settings

settings.configure(
    SECRET_KEY="only-for-the-auth-tests",
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    USE_TZ=True,
    ROOT_URLCONF="pe_django_auth_urls",
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
django.setup()
urls: Any = types.ModuleType("pe_django_auth_urls")
urls.urlpatterns = []  # the project's ROOT_URLCONF: pe.mount adds the portable routes to it
sys.modules["pe_django_auth_urls"] = urls

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.auth import aauthenticate, alogin, alogout  # noqa: E402
from django.contrib.auth.models import Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.management import call_command  # noqa: E402
from portable_endpoints_django._compat import all_permissions, django_user  # noqa: E402

import portable_endpoints as pe  # noqa: E402
from portable_endpoints import JSONResponse, Request, Route, WebSocket, WebSocketRoute  # noqa: E402
from portable_endpoints.authentication import (  # noqa: E402
    AuthCredentials,
    AuthenticationBackend,
    SimpleUser,
    requires,
)
from portable_endpoints.middleware import Middleware, wrap  # noqa: E402
from portable_endpoints.middleware.authentication import AuthenticationMiddleware  # noqa: E402
from portable_endpoints.requests import HTTPConnection  # noqa: E402
from portable_endpoints.testing import TestClient, WebSocketRejected  # noqa: E402

call_command("migrate", verbosity=0)
ada = User.objects.create_user("ada", password="lovelace")
vote = Permission.objects.create(codename="vote", name="Can vote", content_type=ContentType.objects.get_for_model(User))
ada.user_permissions.add(vote)
User.objects.create_user("grace", password="hopper", is_staff=True)


def who(conn: HTTPConnection[Any]) -> dict[str, Any]:
    return {"authenticated": conn.user.is_authenticated, "user": conn.user.get_username(), "scopes": conn.auth.scopes}


async def login(request: Request) -> JSONResponse:
    form = await request.form()
    user = await aauthenticate(request.native, username=form["username"], password=form["password"])
    if user is None:
        return JSONResponse({"login": False}, status_code=400)
    await alogin(request.native, user)
    return JSONResponse({"login": True})


async def visit(request: Request) -> JSONResponse:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return JSONResponse({"visits": request.session["visits"]})


async def logout(request: Request) -> JSONResponse:
    await alogout(request.native)
    return JSONResponse({"logout": True})


async def me(request: Request) -> JSONResponse:
    # An async endpoint reading the user, and Django's own request.user, with no SynchronousOnlyOperation.
    return JSONResponse({**who(request), "native": request.native.user.get_username()})


def me_sync(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


class OlderUser:
    """A user as before Django 5.2: ``get_all_permissions`` only, no ``aget_all_permissions``."""

    def __init__(self, user: Any) -> None:
        self.user = user

    def get_all_permissions(self) -> set[str]:
        return set(self.user.get_all_permissions())


async def compat(request: Request) -> JSONResponse:
    """The adapter's path for a user model without async permissions (every user before Django 5.2)."""
    user = await django_user(request.native)
    assert user is not None
    return JSONResponse(
        {
            "user": user.get_username(),
            "permissions": sorted(await all_permissions(OlderUser(user))),
            "without PermissionsMixin": sorted(await all_permissions(object())),
        }
    )


@requires("authenticated")
async def private(request: Request) -> JSONResponse:
    return JSONResponse(who(request))


@requires("auth.vote")
async def ballot(request: Request) -> JSONResponse:
    return JSONResponse({"voted": request.user.get_username()})


@requires("staff", redirect="me")
def staff(request: Request) -> JSONResponse:
    return JSONResponse({"staff": request.user.get_username()})


@requires("authenticated")
async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(who(websocket))
    await websocket.close()


ROUTES = [
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/visit", visit),
    Route("/compat", compat),
    Route("/me", me, name="me"),
    Route("/me/sync", me_sync),
    Route("/private", private),
    Route("/ballot", ballot),
    Route("/staff", staff),
    WebSocketRoute("/ws", socket),
]


def report(step: str, value: Any) -> None:
    print(json.dumps({step: value}))


async def walk(app: Any, name: str, ws: bool) -> None:
    async with TestClient(app) as client:
        report(f"{name} anonymous", (await client.get("/me")).json())
        report(f"{name} anonymous sync", (await client.get("/me/sync")).json())
        report(f"{name} anonymous private", (await client.get("/private")).status_code)
        report(f"{name} anonymous ballot", (await client.get("/ballot")).status_code)
        if ws:
            try:
                async with client.websocket_connect("/ws"):
                    report(f"{name} anonymous ws", "accepted")
            except WebSocketRejected as rejected:
                report(f"{name} anonymous ws", rejected.status_code)
        report(f"{name} visit", (await client.get("/visit")).json())
        before = client.cookies.get("sessionid")
        wrong = await client.post("/login", data={"username": "ada", "password": "wrong"})
        report(f"{name} wrong password", [wrong.status_code, wrong.json()])
        await client.post("/login", data={"username": "ada", "password": "lovelace"})
        session = client.cookies.get("sessionid")
        report(f"{name} new session at login", None not in (before, session) and session != before)
        report(f"{name} session kept", (await client.get("/visit")).json())
        report(f"{name} ada", (await client.get("/me")).json())
        report(f"{name} ada sync", (await client.get("/me/sync")).json())
        report(f"{name} ada private", (await client.get("/private")).json())
        report(f"{name} ada ballot", (await client.get("/ballot")).json())
        report(f"{name} compat", (await client.get("/compat")).json())
        redirected = await client.get("/staff")
        report(f"{name} ada staff", [redirected.status_code, redirected.headers.get("location")])
        if ws:
            async with client.websocket_connect("/ws") as websocket:
                report(f"{name} ada ws", await websocket.receive_json())
        await client.post("/logout")
        report(f"{name} logged out", (await client.get("/me")).json())
        report(f"{name} logged out ballot", (await client.get("/ballot")).status_code)
        await client.post("/login", data={"username": "grace", "password": "hopper"})
        report(f"{name} grace staff", (await client.get("/staff")).json())
        report(f"{name} grace ballot", (await client.get("/ballot")).status_code)


class Portable(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, SimpleUser]:
        return AuthCredentials(["authenticated", "portable"]), SimpleUser("portable")


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse({"user": request.user.display_name, "scopes": request.auth.scopes})


async def portable_wins() -> None:
    app = pe.create_app([Route("/whoami", whoami)], framework="django")
    wrapped = wrap(app, [Middleware(AuthenticationMiddleware, backend=Portable())])
    async with TestClient(wrapped) as client:
        report("portable wins", (await client.get("/whoami")).json())


def project() -> Any:
    """A project's asgi.py: Django for HTTP, Channels with its authentication for WebSockets."""
    return ProtocolTypeRouter({"http": get_asgi_application(), "websocket": AuthMiddlewareStack(URLRouter([]))})


async def main() -> None:
    app = pe.create_app(ROUTES, framework="django")
    # Channels' authentication for the app's WebSockets: the app behind AuthMiddlewareStack.
    channels_app = ProtocolTypeRouter({"http": app, "lifespan": app, "websocket": AuthMiddlewareStack(app)})
    await walk(channels_app, "create_app", ws=True)
    application = project()
    pe.mount(application, ROUTES)
    await walk(application, "mount", ws=True)
    await portable_wins()


anyio.run(main)
