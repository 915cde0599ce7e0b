"""``examples/login.py`` on every host: log in, the protected page and WebSocket, log out, turned away;
with the security rules around it, read on the client side and in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from portable_endpoints.cli import build_app
from portable_endpoints.testing import TestClient
from portable_endpoints.testing._client import WebSocketRejected
from portable_endpoints.testing.plugin import Host

pytestmark = pytest.mark.anyio
LOGIN = str(Path(__file__).parent.parent / "examples" / "login.py")
PASSWORD = "lovelace"


async def test_login_logout_flow(pe_host: Host, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with TestClient(build_app(LOGIN, pe_host.name)) as client:
        turned_away = await client.get("/")
        assert turned_away.status_code == 303
        assert turned_away.headers["location"] == "http://testserver/login?next=http%3A%2F%2Ftestserver%2F"
        with pytest.raises(WebSocketRejected) as refused:
            async with client.websocket_connect("/ws"):
                pass
        assert refused.value.status_code == 403
        before = (await client.get("/login")).cookies.get("session")

        wrong = await client.post("/login", data={"username": "ada", "password": "wrong-" + PASSWORD, "next": ""})
        assert wrong.status_code == 401
        assert "Unknown user or wrong password" in wrong.text
        assert "wrong-" + PASSWORD not in wrong.text

        signed_in = await client.post(
            "/login", data={"username": "ada", "password": PASSWORD, "next": "http://testserver/"}
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "http://testserver/"
        cookie = signed_in.cookies["session"]
        assert cookie != before, "the session cookie was not rotated at login"
        assert PASSWORD not in cookie
        page = await client.get("/")
        assert page.status_code == 200
        assert '<p id="who">Signed in as ada</p>' in page.text
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("hello")
            assert await websocket.receive_text() == "ada said hello"

        signed_out = await client.post("/logout")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == "http://testserver/login"
        assert (await client.get("/")).status_code == 303
        with pytest.raises(WebSocketRejected):
            async with client.websocket_connect("/ws"):
                pass
    for record in caplog.records:
        assert PASSWORD not in record.getMessage(), record.getMessage()
        assert cookie not in record.getMessage(), record.getMessage()


async def test_next_never_leaves_the_site(pe_host: Host) -> None:
    async with TestClient(build_app(LOGIN, pe_host.name)) as client:
        for target in ("http://evil.example/", "http://testserver.evil.example/", "//evil.example/"):
            answer = await client.post("/login", data={"username": "ada", "password": PASSWORD, "next": target})
            assert answer.headers["location"] == "http://testserver/", target
