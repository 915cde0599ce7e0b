"""The portable ``StaticFiles`` against Starlette's own, request by request, both mounted in a
Starlette app: the same status, headers and body for every case of a table."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import starlette.staticfiles
from starlette.applications import Starlette
from starlette.routing import Mount

from portable_endpoints.staticfiles import StaticFiles
from portable_endpoints.testing import TestClient, TestResponse

pytestmark = pytest.mark.anyio

REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/a.txt", {}),
    ("HEAD", "/a.txt", {}),
    ("POST", "/a.txt", {}),
    ("DELETE", "/missing", {}),
    ("GET", "/a.txt", {"if-none-match": "*"}),
    ("GET", "/a.txt", {"if-none-match": '"nope", W/"other"'}),
    ("GET", "/a.txt", {"if-modified-since": "Thu, 01 Jan 2099 00:00:00 GMT"}),
    ("GET", "/a.txt", {"if-modified-since": "Thu, 01 Jan 2000 00:00:00 GMT"}),
    ("GET", "/a.txt", {"range": "bytes=0-3"}),
    ("GET", "/a.txt", {"range": "bytes=-4"}),
    ("GET", "/a.txt", {"range": "bytes=50-"}),
    ("GET", "/a.txt", {"range": "chars=1-2"}),
    ("GET", "/a.txt", {"range": "bytes=0-1", "if-range": '"stale"'}),
    ("GET", "/dir", {}),
    ("GET", "/dir?x=1", {}),
    ("GET", "/dir/", {}),
    ("HEAD", "/dir/", {}),
    ("GET", "/empty", {}),
    ("GET", "/missing", {}),
    ("HEAD", "/missing", {}),
    ("GET", "/", {}),
    ("GET", "/a.txt/x", {}),
    ("GET", "/../secret.txt", {}),
    ("GET", "/%2e%2e/secret.txt", {}),
    ("GET", "/a%00.txt", {}),
    ("GET", "/link.txt", {}),
]


@pytest.fixture
def statics(tmp_path: Path) -> Path:
    directory = tmp_path / "statics"
    (directory / "dir").mkdir(parents=True)
    (directory / "empty").mkdir()
    (directory / "a.txt").write_text("hello world")
    os.utime(directory / "a.txt", (1_700_000_000, 1_700_000_000))
    (directory / "dir" / "index.html").write_text("<h1>index</h1>")
    (directory / "404.html").write_text("<h1>not found</h1>")
    (tmp_path / "secret.txt").write_text("secret")
    (directory / "link.txt").symlink_to(tmp_path / "secret.txt")
    return directory


def comparable(method: str, response: TestResponse) -> tuple[int, dict[str, str], bytes]:
    # Starlette's responses leave a HEAD body for the server to drop; the portable ones send none.
    return response.status_code, dict(response.headers.items()), b"" if method == "HEAD" else response.content


@pytest.mark.parametrize("html", [False, True])
@pytest.mark.parametrize("prefix", ["", "/static"])
async def test_the_port_answers_as_starlettes_staticfiles(statics: Path, html: bool, prefix: str) -> None:
    def app(static_files: Any) -> Starlette:
        return Starlette(routes=[Mount(prefix or "/", app=static_files)])

    reference = app(starlette.staticfiles.StaticFiles(directory=statics, html=html))
    port = app(StaticFiles(directory=statics, html=html))
    async with TestClient(reference) as theirs, TestClient(port) as ours:
        for method, path, headers in REQUESTS:
            expected = await theirs.request(method, prefix + path, headers=headers)
            answered = await ours.request(method, prefix + path, headers=headers)
            assert comparable(method, answered) == comparable(method, expected), (method, prefix + path, headers)
