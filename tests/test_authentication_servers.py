"""A failing authentication under a real server (uvicorn): what the client gets and what is logged.

Starlette is the reference: an exception its app does not handle reaches uvicorn, which answers
"Internal Server Error" and logs "Exception in ASGI application" at ERROR with the traceback. That
traceback is the only place a secret in the error may show; no answer and no other record does.
"""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from portable_endpoints.authentication import AuthenticationBackend
from portable_endpoints.middleware import Middleware, wrap
from portable_endpoints.middleware.authentication import AuthenticationMiddleware
from portable_endpoints.testing.plugin import Host
from portable_endpoints.testing.suite.test_authentication import (
    ROUTES,
    SECRET,
    FailingBackend,
    FailingUserBackend,
    leaks,
    logged,
)

from .servers import running


def authenticated(pe_host: Host, backend: AuthenticationBackend) -> object:
    return wrap(pe_host.app(ROUTES), [Middleware(AuthenticationMiddleware, backend=backend)])


def traces(record: logging.LogRecord) -> str:
    if record.exc_info is None or record.exc_info[0] is None:
        return ""
    return "".join(traceback.format_exception(*record.exc_info))


def test_a_failing_backend_is_uvicorns_500_and_only_its_error_log_shows_the_secret(pe_host: Host) -> None:
    with running(authenticated(pe_host, FailingBackend()), "uvicorn") as address, logged() as records:
        response = httpx.get(f"http://{address}/dashboard")
        assert (response.status_code, response.text) == (500, "Internal Server Error")
        with pytest.raises(InvalidStatus) as refused, connect(f"ws://{address}/ws", open_timeout=10):
            pass
        assert refused.value.response.status_code == 500
        assert SECRET not in (refused.value.response.body or b"").decode("latin-1")
    assert leaks(records, SECRET) == []
    server_errors = [record for record in records if record.name == "uvicorn.error" and SECRET in traces(record)]
    assert [(record.levelname, record.getMessage()) for record in server_errors] == [
        ("ERROR", "Exception in ASGI application\n")
    ] * 2


def test_a_user_failing_in_the_endpoint_is_the_hosts_500_over_the_wire(pe_host: Host) -> None:
    with running(authenticated(pe_host, FailingUserBackend()), "uvicorn") as address, logged() as records:
        for path in ("/", "/dashboard/sync"):
            response = httpx.get(f"http://{address}{path}")
            assert response.status_code == 500
            assert SECRET not in response.text
            assert "Traceback" not in response.text
        with connect(f"ws://{address}/ws", open_timeout=10) as websocket, pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=10)
        # A close frame (the host's 1011) or none (uvicorn drops the connection): no secret either way.
        assert closed.value.rcvd is None or SECRET not in closed.value.rcvd.reason
    assert leaks(records, SECRET) == []
