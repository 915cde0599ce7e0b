"""A login form, a protected page and a protected WebSocket, on any host.

Sessions in a signed cookie (the portable ``SessionMiddleware``), who is calling from the session
(a portable ``AuthenticationBackend``), pages guarded by ``requires``:

portable-endpoints serve examples/login.py --framework quart
"""

from __future__ import annotations

import hmac
from html import escape
from typing import Any
from urllib.parse import urlsplit

from portable_endpoints.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    SimpleUser,
    UnauthenticatedUser,
    requires,
)
from portable_endpoints.endpoints import HTTPEndpoint, WebSocketEndpoint
from portable_endpoints.middleware import Middleware
from portable_endpoints.middleware.authentication import AuthenticationMiddleware
from portable_endpoints.middleware.sessions import SessionMiddleware
from portable_endpoints.requests import HTTPConnection, Request
from portable_endpoints.responses import HTMLResponse, RedirectResponse, Response
from portable_endpoints.routing import Route, WebSocketRoute
from portable_endpoints.websockets import WebSocket

#: The example's only account (a real app checks a password hash in its user store).
ACCOUNTS = {"ada": "lovelace"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>"""

LOGIN_FORM = """<form method="post">
  <input type="hidden" name="next" value="{next}">
  <label>User <input name="username" id="username" autocomplete="username"></label>
  <label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Log in</button>
</form>{error}"""

SECRET_PAGE = """<p id="who">Signed in as {user}</p>
<p id="socket">connecting...</p>
<form method="post" action="{logout}"><button type="submit">Log out</button></form>
<script>
  const ws = new WebSocket("{ws}");
  ws.onmessage = (event) => {{ document.getElementById("socket").textContent = event.data; }};
  ws.onopen = () => ws.send("hello");
</script>"""


class SessionBackend(AuthenticationBackend):
    """Who is calling: the user name the login form stored in the session."""

    async def authenticate(self, conn: HTTPConnection[Any]) -> tuple[AuthCredentials, Any]:
        username = conn.session.get("user")
        if username is None:
            return AuthCredentials(), UnauthenticatedUser()
        return AuthCredentials(["authenticated"]), SimpleUser(username)


def same_site(target: str, home: str) -> bool:
    """Whether ``target`` is on this site: ``next`` sends nobody elsewhere (no open redirect)."""
    there, here = urlsplit(target), urlsplit(home)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


class Login(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return self.form(request.query_params.get("next", ""), "")

    async def post(self, request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        expected = ACCOUNTS.get(username)
        if expected is None or not hmac.compare_digest(expected, password):
            return self.form(str(form.get("next", "")), '<p id="error">Unknown user or wrong password</p>', 401)
        # A new session for the signed-in user: nothing from before the login carries over.
        request.session.clear()
        request.session["user"] = username
        target, home = str(form.get("next", "")), str(request.url_for("secret"))
        return RedirectResponse(target if same_site(target, home) else home, status_code=303)

    @staticmethod
    def form(next_url: str, error: str, status_code: int = 200) -> HTMLResponse:
        body = LOGIN_FORM.format(next=escape(next_url, quote=True), error=error)
        return HTMLResponse(PAGE.format(title="Log in", body=body), status_code=status_code)


class Logout(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        request.session.clear()
        return RedirectResponse(request.url_for("login"), status_code=303)


class Secret(HTTPEndpoint):
    @requires("authenticated", redirect="login")
    async def get(self, request: Request) -> Response:
        body = SECRET_PAGE.format(
            user=escape(request.user.display_name),
            logout=request.url_for("logout"),
            ws=request.url_for("updates"),
        )
        return HTMLResponse(PAGE.format(title="Members only", body=body))


class Updates(WebSocketEndpoint):
    encoding = "text"

    @requires("authenticated")
    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(f"{websocket.user.display_name} said {data}")


routes = [
    Route("/", Secret, name="secret"),
    Route("/login", Login, name="login"),
    Route("/logout", Logout, name="logout"),
    WebSocketRoute("/ws", Updates, name="updates"),
]
middleware = [
    Middleware(SessionMiddleware, secret_key="login-example-secret", same_site="strict"),
    Middleware(AuthenticationMiddleware, backend=SessionBackend()),
]
