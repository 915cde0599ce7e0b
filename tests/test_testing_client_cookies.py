"""The portable ``TestClient``'s cookie jar: a cookie whose ``Expires`` has passed is deleted, as a
browser deletes it (Starlette's session middleware clears a session with a 1970 date)."""

from __future__ import annotations

from typing import Any

import pytest

from portable_endpoints.testing import TestClient

pytestmark = pytest.mark.anyio


def setting(*cookies: str) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"set-cookie", cookie.encode()) for cookie in cookies]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    return app


async def test_an_expired_cookie_is_deleted_and_a_future_one_kept() -> None:
    async with TestClient(setting("a=1", "b=2", "c=3")) as client:
        await client.get("/")
        assert client.cookies == {"a": "1", "b": "2", "c": "3"}
    async with TestClient(
        setting(
            "a=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "b=2; Max-Age=0",
            "c=4; expires=Fri, 01 Jan 2100 00:00:00 GMT",
        )
    ) as client:
        client.cookies.update({"a": "1", "b": "2", "c": "3"})
        await client.get("/")
        assert client.cookies == {"c": "4"}
