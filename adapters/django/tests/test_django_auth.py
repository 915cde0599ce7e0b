"""Django's own authentication and sessions behind portable endpoints: ``request.user`` is Django's
user, loaded before an async endpoint reads it; ``request.auth`` holds its scopes and permissions;
Channels' ``AuthMiddlewareStack`` gives WebSockets the same. Run in a process of its own
(``pe_django_auth.py``): it needs Django apps and a database, and settings are process-wide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from portable_endpoints_django._auth import authenticates

import portable_endpoints as pe
from portable_endpoints import JSONResponse, Request, Route
from portable_endpoints.testing import TestClient

HERE = Path(__file__).parent
ROOT = HERE.parent.parent.parent

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
ANONYMOUS = {"authenticated": False, "user": "", "scopes": []}
ADA = {"authenticated": True, "user": "ada", "scopes": ["authenticated", "auth.vote"]}


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), env.get("PYTHONPATH", "")])
    database = tmp_path_factory.mktemp("django-auth") / "db.sqlite3"
    result = subprocess.run(
        [sys.executable, str(HERE / "pe_django_auth.py"), str(database)],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = {}
    for line in result.stdout.splitlines():
        found.update(json.loads(line))
    return found


@pytest.mark.parametrize("composition", ["create_app", "mount"])
def test_request_user_is_djangos_user_in_async_and_sync_endpoints(steps: dict[str, Any], composition: str) -> None:
    assert steps[f"{composition} anonymous"] == {**ANONYMOUS, "native": ""}
    assert steps[f"{composition} anonymous sync"] == ANONYMOUS
    # Logged in with Django's alogin: the async endpoint reads request.user and request.native.user.
    assert steps[f"{composition} ada"] == {**ADA, "native": "ada"}
    assert steps[f"{composition} ada sync"] == ADA
    assert steps[f"{composition} logged out"] == {**ANONYMOUS, "native": ""}


@pytest.mark.parametrize("composition", ["create_app", "mount"])
def test_requires_checks_djangos_flags_and_permissions(steps: dict[str, Any], composition: str) -> None:
    assert steps[f"{composition} anonymous private"] == 403
    assert steps[f"{composition} anonymous ballot"] == 403
    assert steps[f"{composition} ada private"] == ADA
    assert steps[f"{composition} ada ballot"] == {"voted": "ada"}  # requires("auth.vote")
    assert steps[f"{composition} ada staff"] == [303, "http://testserver/me?next=http%3A%2F%2Ftestserver%2Fstaff"]
    assert steps[f"{composition} logged out ballot"] == 403
    assert steps[f"{composition} grace staff"] == {"staff": "grace"}  # requires("staff")
    assert steps[f"{composition} grace ballot"] == 403


@pytest.mark.parametrize("composition", ["create_app", "mount"])
def test_login_and_logout_with_djangos_database_sessions(steps: dict[str, Any], composition: str) -> None:
    assert steps[f"{composition} visit"] == {"visits": 1}
    assert steps[f"{composition} wrong password"] == [400, {"login": False}]
    # alogin gives the session a new key (no session fixation) and keeps its data.
    assert steps[f"{composition} new session at login"] is True
    assert steps[f"{composition} session kept"] == {"visits": 2}


def test_permissions_load_without_an_async_method(steps: dict[str, Any]) -> None:
    assert steps["create_app compat"] == {
        "user": "ada",
        "permissions": ["auth.vote"],
        "without PermissionsMixin": [],
    }


@pytest.mark.parametrize("composition", ["create_app", "mount"])
def test_channels_auth_middleware_stack_gives_websockets_the_user(steps: dict[str, Any], composition: str) -> None:
    assert steps[f"{composition} anonymous ws"] == 403  # requires("authenticated") refused the handshake
    assert steps[f"{composition} ada ws"] == ADA


def test_a_portable_authentication_middleware_wins_over_djangos(steps: dict[str, Any]) -> None:
    assert steps["portable wins"] == {"user": "portable", "scopes": ["authenticated", "portable"]}


@pytest.mark.anyio
async def test_without_djangos_or_channels_authentication_nothing_is_loaded() -> None:
    # In this process Django has no django.contrib.auth at all, as an app that does not use it.
    async def probe(request: Request) -> JSONResponse:
        return JSONResponse(
            {"scope": sorted({"user", "auth"} & set(request.scope)), "native": hasattr(request.native, "user")}
        )

    app = pe.create_app([Route("/", probe)], framework="django", MIDDLEWARE=[SESSIONS])
    async with TestClient(app) as client:
        assert (await client.get("/")).json() == {"scope": [], "native": False}
    portable = {"type": "websocket", "user": object(), "auth": object()}
    assert not authenticates(portable)  # what a portable AuthenticationMiddleware set stays
