"""Starlette 1.10's ``tests/test_staticfiles.py``, ported to ``portable_endpoints.staticfiles``.

Ported from encode/starlette (BSD-3-Clause, Copyright © 2018, Encode OSS Ltd.): imports changed, the
sync ``TestClient`` replaced by the portable async one, and two adaptations:

- Where Starlette's tests mount the app with ``Mount("/", app=...)`` in a Starlette app, the app is
  served directly; under ``Mount("/static", ...)``, with the ``root_path`` that Mount gives it.
- Where Starlette's tests see the ``HTTPException`` escape a bare ``StaticFiles`` (Starlette leaves
  it to the app's exception middleware), the portable one answers it as that middleware would
  ("Not Found", 404), since it may be mounted on a host with no such middleware. Under a portable
  ``Mount(app=...)``, or a Starlette app's own ``Mount``, it raises, as Starlette's (tested at the end).

The client does not follow redirects: a ``307`` to the slashed directory URL is checked, then followed.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from portable_endpoints import Mount, PlainTextResponse, create_app
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.staticfiles import StaticFiles
from portable_endpoints.testing import TestClient, TestResponse, WebSocketRejected
from portable_endpoints.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

REPOSITORY = Path(__file__).parent.parent


@asynccontextmanager
async def client_for(app: ASGIApp, **options: Any) -> AsyncIterator[TestClient]:
    async with TestClient(app, **options) as client:
        yield client


async def get_following_redirect(client: TestClient, url: str) -> tuple[str, TestResponse]:
    """``client.get(url)``, following one redirect: the final URL (as httpx's ``response.url``) and response."""
    response = await client.get(url)
    if response.status_code in (301, 302, 307, 308):
        url = response.headers["location"]
        response = await client.get(url)
    return (url if url.startswith("http") else "http://testserver" + url), response


def write_file(path: str | os.PathLike[str], text: str) -> None:
    """Starlette's tests write their files with ``open``: done here, out of the async test's body."""
    with open(path, "w") as file:
        file.write(text)


class DoesNothingMiddleware:
    """A pass-through ASGI middleware (Starlette's test uses a ``BaseHTTPMiddleware`` doing nothing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def test_staticfiles(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 200
    assert response.text == "<file content>"


async def test_staticfiles_with_pathlib(tmp_path: Path) -> None:
    path = tmp_path / "example.txt"
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmp_path)
    async with client_for(app) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 200
    assert response.text == "<file content>"


async def test_staticfiles_head_with_middleware(tmpdir: Path) -> None:
    """
    see https://github.com/encode/starlette/pull/935
    """
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "x" * 100)

    # Mount("/static", app=StaticFiles(...)) inside the middleware: the root_path Mount gives it.
    app = DoesNothingMiddleware(StaticFiles(directory=tmpdir))
    async with client_for(app, root_path="/static") as client:
        response = await client.head("/example.txt")
    assert response.status_code == 200
    assert response.headers.get("content-length") == "100"


async def test_staticfiles_with_package() -> None:
    app = StaticFiles(packages=["tests"])
    async with client_for(app) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 200
    assert response.text == "123\n"

    app = StaticFiles(packages=[("tests", "statics")])
    async with client_for(app) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 200
    assert response.text == "123\n"


async def test_staticfiles_post(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.post("/example.txt")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD"


async def test_staticfiles_with_directory_returns_404(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.get("/")
    assert response.status_code == 404
    assert response.text == "Not Found"


async def test_staticfiles_with_missing_file_returns_404(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.get("/404.txt")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_staticfiles_instantiated_with_missing_directory(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "no_such_directory")
    with pytest.raises(RuntimeError) as exc_info:
        StaticFiles(directory=path)
    assert "does not exist" in str(exc_info.value)


async def test_staticfiles_configured_with_missing_directory(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "no_such_directory")
    app = StaticFiles(directory=path, check_dir=False)
    async with client_for(app) as client:
        with pytest.raises(RuntimeError) as exc_info:
            await client.get("/example.txt")
    assert "does not exist" in str(exc_info.value)


async def test_staticfiles_configured_with_file_instead_of_directory(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=path, check_dir=False)
    async with client_for(app) as client:
        with pytest.raises(RuntimeError) as exc_info:
            await client.get("/example.txt")
    assert "is not a directory" in str(exc_info.value)


async def test_staticfiles_config_check_occurs_only_once(tmpdir: Path) -> None:
    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        assert not app.config_checked

        assert (await client.get("/")).status_code == 404

        assert app.config_checked

        assert (await client.get("/")).status_code == 404


async def test_staticfiles_prevents_breaking_out_of_directory(tmpdir: Path) -> None:
    directory = os.path.join(tmpdir, "foo")
    os.mkdir(directory)

    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "outside root dir")

    app = StaticFiles(directory=directory)
    # We can't test this with 'httpx', so we test the app directly here.
    path = app.get_path({"path": "/../example.txt"})
    scope = {"method": "GET"}

    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(path, scope)

    assert exc_info.value.status_code == 404
    assert exc_info.value.detail == "Not Found"


async def test_staticfiles_never_read_file_for_head_method(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.head("/example.txt")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "14"


async def test_staticfiles_304_with_etag_match(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        first_resp = await client.get("/example.txt")
        assert first_resp.status_code == 200
        last_etag = first_resp.headers["etag"]
        second_resp = await client.get("/example.txt", headers={"if-none-match": last_etag})
        assert second_resp.status_code == 304
        assert second_resp.content == b""
        second_resp = await client.get("/example.txt", headers={"if-none-match": f'W/{last_etag}, "123"'})
        assert second_resp.status_code == 304
        assert second_resp.content == b""
        second_resp = await client.get("/example.txt", headers={"if-none-match": f'"123",\tW/{last_etag}'})
        assert second_resp.status_code == 304
        assert second_resp.content == b""


@pytest.mark.parametrize("if_none_match", ['"123"', '"*"', '"foo,*,bar"'])
async def test_staticfiles_200_with_etag_mismatch(tmp_path: Path, if_none_match: str) -> None:
    write_file(tmp_path / "example.txt", "<file content>")

    app = StaticFiles(directory=tmp_path)
    async with client_for(app) as client:
        response = await client.get("/example.txt", headers={"if-none-match": if_none_match})
    assert response.status_code == 200
    assert response.content == b"<file content>"


async def test_staticfiles_200_with_etag_mismatch_and_timestamp_match(tmpdir: Path) -> None:
    path = tmpdir / "example.txt"
    path.write_text("<file content>", encoding="utf-8")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        first_resp = await client.get("/example.txt")
        assert first_resp.status_code == 200
        assert first_resp.headers["etag"] != '"123"'
        last_modified = first_resp.headers["last-modified"]
        # If `if-none-match` is present, `if-modified-since` is ignored.
        second_resp = await client.get(
            "/example.txt", headers={"if-none-match": '"123"', "if-modified-since": last_modified}
        )
        assert second_resp.status_code == 200
        assert second_resp.content == b"<file content>"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("if_none_match", ["*", " \t* \t"])
async def test_staticfiles_304_with_if_none_match_wildcard(tmp_path: Path, method: str, if_none_match: str) -> None:
    write_file(tmp_path / "example.txt", "<file content>")

    app = StaticFiles(directory=tmp_path)
    async with client_for(app) as client:
        response = await client.request(method, "/example.txt", headers={"if-none-match": if_none_match})
    assert response.status_code == 304
    assert response.content == b""


async def test_staticfiles_304_with_last_modified_compare_last_req(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    file_last_modified_time = time.mktime(time.strptime("2013-10-10 23:40:00", "%Y-%m-%d %H:%M:%S"))
    write_file(path, "<file content>")
    os.utime(path, (file_last_modified_time, file_last_modified_time))

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        # last modified less than last request, 304
        response = await client.get("/example.txt", headers={"If-Modified-Since": "Thu, 11 Oct 2013 15:30:19 GMT"})
        assert response.status_code == 304
        assert response.content == b""
        # last modified greater than last request, 200 with content
        response = await client.get("/example.txt", headers={"If-Modified-Since": "Thu, 20 Feb 2012 15:30:19 GMT"})
        assert response.status_code == 200
        assert response.content == b"<file content>"


async def test_staticfiles_html_normal(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "404.html")
    write_file(path, "<h1>Custom not found page</h1>")
    path = os.path.join(tmpdir, "dir")
    os.mkdir(path)
    path = os.path.join(path, "index.html")
    write_file(path, "<h1>Hello</h1>")

    app = StaticFiles(directory=tmpdir, html=True)
    async with client_for(app) as client:
        url, response = await get_following_redirect(client, "/dir/")
        assert url == "http://testserver/dir/"
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"

        url, response = await get_following_redirect(client, "/dir")
        assert url == "http://testserver/dir/"
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"

        url, response = await get_following_redirect(client, "/dir/index.html")
        assert url == "http://testserver/dir/index.html"
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"

        response = await client.get("/missing")
        assert response.status_code == 404
        assert response.text == "<h1>Custom not found page</h1>"


async def test_staticfiles_html_without_index(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "404.html")
    write_file(path, "<h1>Custom not found page</h1>")
    path = os.path.join(tmpdir, "dir")
    os.mkdir(path)

    app = StaticFiles(directory=tmpdir, html=True)
    async with client_for(app) as client:
        url, response = await get_following_redirect(client, "/dir/")
        assert url == "http://testserver/dir/"
        assert response.status_code == 404
        assert response.text == "<h1>Custom not found page</h1>"

        url, response = await get_following_redirect(client, "/dir")
        assert url == "http://testserver/dir"
        assert response.status_code == 404
        assert response.text == "<h1>Custom not found page</h1>"

        response = await client.get("/missing")
        assert response.status_code == 404
        assert response.text == "<h1>Custom not found page</h1>"


async def test_staticfiles_html_without_404(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "dir")
    os.mkdir(path)
    path = os.path.join(path, "index.html")
    write_file(path, "<h1>Hello</h1>")

    app = StaticFiles(directory=tmpdir, html=True)
    async with client_for(app) as client:
        url, response = await get_following_redirect(client, "/dir/")
        assert url == "http://testserver/dir/"
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"

        url, response = await get_following_redirect(client, "/dir")
        assert url == "http://testserver/dir/"
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"

        response = await client.get("/missing")
        assert response.status_code == 404
        assert response.text == "Not Found"


async def test_staticfiles_html_only_files(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "hello.html")
    write_file(path, "<h1>Hello</h1>")

    app = StaticFiles(directory=tmpdir, html=True)
    async with client_for(app) as client:
        response = await client.get("/")
        assert response.status_code == 404
        assert response.text == "Not Found"

        response = await client.get("/hello.html")
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"


async def test_staticfiles_cache_invalidation_for_deleted_file_html_mode(tmpdir: Path) -> None:
    path_404 = os.path.join(tmpdir, "404.html")
    write_file(path_404, "<p>404 file</p>")
    path_some = os.path.join(tmpdir, "some.html")
    write_file(path_some, "<p>some file</p>")

    common_modified_time = time.mktime(time.strptime("2013-10-10 23:40:00", "%Y-%m-%d %H:%M:%S"))
    os.utime(path_404, (common_modified_time, common_modified_time))
    os.utime(path_some, (common_modified_time, common_modified_time))

    app = StaticFiles(directory=tmpdir, html=True)
    async with client_for(app) as client:
        resp_exists = await client.get("/some.html")
        assert resp_exists.status_code == 200
        assert resp_exists.text == "<p>some file</p>"

        resp_cached = await client.get(
            "/some.html",
            headers={"If-Modified-Since": resp_exists.headers["last-modified"]},
        )
        assert resp_cached.status_code == 304

        os.remove(path_some)

        resp_deleted = await client.get(
            "/some.html",
            headers={"If-Modified-Since": resp_exists.headers["last-modified"]},
        )
        assert resp_deleted.status_code == 404
        assert resp_deleted.text == "<p>404 file</p>"


async def test_staticfiles_with_invalid_dir_permissions_returns_401(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "example.txt").write_bytes(b"<file content>")

    # Starlette's test takes the directory's permissions away, which root ignores: the
    # PermissionError a lookup then raises is raised directly, so the test runs as any user.
    def permission_denied(self: StaticFiles, path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(StaticFiles, "lookup_path", permission_denied)
    app = StaticFiles(directory=os.fsdecode(tmp_path))
    async with client_for(app) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 401
    assert response.text == "Unauthorized"


async def test_staticfiles_with_unreadable_directory_returns_401_or_serves_as_root(tmp_path: Path) -> None:
    (tmp_path / "example.txt").write_bytes(b"<file content>")

    original_mode = os.stat(tmp_path).st_mode
    os.chmod(tmp_path, stat.S_IRWXO)
    try:
        app = StaticFiles(directory=os.fsdecode(tmp_path))
        async with client_for(app) as client:
            response = await client.get("/example.txt")
    finally:
        os.chmod(tmp_path, original_mode)
    if os.geteuid() == 0:  # root reads the directory whatever its mode
        assert (response.status_code, response.text) == (200, "<file content>")
    else:
        assert (response.status_code, response.text) == (401, "Unauthorized")


async def test_staticfiles_with_missing_dir_returns_404(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.get("/foo/example.txt")
    assert response.status_code == 404
    assert response.text == "Not Found"


async def test_staticfiles_access_file_as_dir_returns_404(tmpdir: Path) -> None:
    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        response = await client.get("/example.txt/foo")
    assert response.status_code == 404
    assert response.text == "Not Found"


async def test_staticfiles_filename_too_long(tmpdir: Path) -> None:
    app = StaticFiles(directory=tmpdir)
    async with client_for(app) as client:
        path_max_size = os.pathconf("/", "PC_PATH_MAX")
        response = await client.get(f"/{'a' * path_max_size}.txt")
    assert response.status_code == 404
    assert response.text == "Not Found"


async def test_staticfiles_unhandled_os_error_returns_500(tmpdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def mock_timeout(*args: Any, **kwargs: Any) -> None:
        raise TimeoutError

    path = os.path.join(tmpdir, "example.txt")
    write_file(path, "<file content>")

    app = StaticFiles(directory=tmpdir)
    monkeypatch.setattr("portable_endpoints.staticfiles.StaticFiles.lookup_path", mock_timeout)

    # The error leaves the app, for the server (or a host's error middleware) to answer with a 500.
    async with client_for(app, raise_app_exceptions=False) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 500
    async with client_for(app) as client:
        with pytest.raises(TimeoutError):
            await client.get("/example.txt")


async def test_staticfiles_follows_symlinks(tmpdir: Path) -> None:
    statics_path = os.path.join(tmpdir, "statics")
    os.mkdir(statics_path)

    source_path = tempfile.mkdtemp()
    source_file_path = os.path.join(source_path, "page.html")
    write_file(source_file_path, "<h1>Hello</h1>")

    statics_file_path = os.path.join(statics_path, "index.html")
    os.symlink(source_file_path, statics_file_path)

    app = StaticFiles(directory=statics_path, follow_symlink=True)
    async with client_for(app) as client:
        url, response = await get_following_redirect(client, "/index.html")
    assert url == "http://testserver/index.html"
    assert response.status_code == 200
    assert response.text == "<h1>Hello</h1>"


async def test_staticfiles_follows_symlink_directories(tmpdir: Path) -> None:
    statics_path = os.path.join(tmpdir, "statics")
    statics_html_path = os.path.join(statics_path, "html")
    os.mkdir(statics_path)

    source_path = tempfile.mkdtemp()
    source_file_path = os.path.join(source_path, "page.html")
    write_file(source_file_path, "<h1>Hello</h1>")

    os.symlink(source_path, statics_html_path)

    app = StaticFiles(directory=statics_path, follow_symlink=True)
    async with client_for(app) as client:
        url, response = await get_following_redirect(client, "/html/page.html")
    assert url == "http://testserver/html/page.html"
    assert response.status_code == 200
    assert response.text == "<h1>Hello</h1>"


async def test_staticfiles_disallows_path_traversal_with_symlinks(tmpdir: Path) -> None:
    statics_path = os.path.join(tmpdir, "statics")

    root_source_path = tempfile.mkdtemp()
    source_path = os.path.join(root_source_path, "statics")
    os.mkdir(source_path)

    source_file_path = os.path.join(root_source_path, "index.html")
    write_file(source_file_path, "<h1>Hello</h1>")

    os.symlink(source_path, statics_path)

    app = StaticFiles(directory=statics_path, follow_symlink=True)
    # We can't test this with 'httpx', so we test the app directly here.
    path = app.get_path({"path": "/../index.html"})
    scope = {"method": "GET"}

    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(path, scope)

    assert exc_info.value.status_code == 404
    assert exc_info.value.detail == "Not Found"


async def test_staticfiles_avoids_path_traversal(tmp_path: Path) -> None:
    statics_path = tmp_path / "static"
    statics_disallow_path = tmp_path / "static_disallow"

    statics_path.mkdir()
    statics_disallow_path.mkdir()

    static_index_file = statics_path / "index.html"
    statics_disallow_path_index_file = statics_disallow_path / "index.html"
    static_file = tmp_path / "static1.txt"

    static_index_file.write_text("<h1>Hello</h1>")
    statics_disallow_path_index_file.write_text("<h1>Private</h1>")
    static_file.write_text("Private")

    app = StaticFiles(directory=statics_path)

    # We can't test this with 'httpx', so we test the app directly here.
    path = app.get_path({"path": "/../static1.txt"})
    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(path, {"method": "GET"})

    assert exc_info.value.status_code == 404
    assert exc_info.value.detail == "Not Found"

    path = app.get_path({"path": "/../static_disallow/index.html"})
    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(path, {"method": "GET"})

    assert exc_info.value.status_code == 404
    assert exc_info.value.detail == "Not Found"


async def test_staticfiles_self_symlinks(tmp_path: Path) -> None:
    statics_path = tmp_path / "statics"
    statics_path.mkdir()

    source_file_path = statics_path / "index.html"
    source_file_path.write_text("<h1>Hello</h1>", encoding="utf-8")

    statics_symlink_path = tmp_path / "statics_symlink"
    statics_symlink_path.symlink_to(statics_path)

    app = StaticFiles(directory=statics_symlink_path, follow_symlink=True)
    async with client_for(app) as client:
        url, response = await get_following_redirect(client, "/index.html")
    assert url == "http://testserver/index.html"
    assert response.status_code == 200
    assert response.text == "<h1>Hello</h1>"


async def test_staticfiles_relative_directory_symlinks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY)
    app = StaticFiles(directory="tests/statics", follow_symlink=True)
    async with client_for(app) as client:
        response = await client.get("/example.txt")
    assert response.status_code == 200
    assert response.text == "123\n"


async def test_staticfiles_websocket_connection_is_closed(tmp_path: Path) -> None:
    app = StaticFiles(directory=tmp_path)
    async with client_for(app) as client:
        with pytest.raises(WebSocketRejected) as exc_info:
            async with client.websocket_connect("/example.txt"):
                pass  # pragma: no cover
    assert exc_info.value.status_code == 403


async def test_staticfiles_null_byte_in_path_returns_404(tmp_path: Path) -> None:
    app = StaticFiles(directory=tmp_path)
    async with client_for(app) as client:
        response = await client.get("/example%00.txt")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_staticfiles_rejects_absolute_paths(tmp_path: Path) -> None:
    statics_path = tmp_path / "static"
    statics_path.mkdir()
    app = StaticFiles(directory=statics_path)

    full_path, stat_result = app.lookup_path("/etc/passwd")
    assert full_path == ""
    assert stat_result is None


def test_staticfiles_rejects_absolute_windows_paths(tmp_path: Path) -> None:
    statics_path = tmp_path / "static"
    statics_path.mkdir()
    app = StaticFiles(directory=statics_path)

    full_path, stat_result = app.lookup_path("\\\\server\\share")
    assert full_path == ""
    assert stat_result is None


def test_staticfiles_with_missing_package() -> None:
    with pytest.raises(AssertionError, match="Package 'no_such_package' could not be found"):
        StaticFiles(packages=["no_such_package"])


def test_staticfiles_with_missing_package_directory() -> None:
    with pytest.raises(AssertionError, match="in package 'tests' could not be found"):
        StaticFiles(packages=[("tests", "no_such_directory")])


# -- Beyond Starlette's own tests: what the port must keep, checked on the portable app ----------


@pytest.fixture
def statics(tmp_path: Path) -> Path:
    directory = tmp_path / "statics"
    directory.mkdir()
    (directory / "example.txt").write_text("<file content>")
    (directory / "dir").mkdir()
    (directory / "dir" / "index.html").write_text("<h1>Hello</h1>")
    (tmp_path / "secret.txt").write_text("outside the directory")
    return directory


async def test_served_under_a_mount_root_path(statics: Path) -> None:
    # What Starlette's Mount("/static", app=StaticFiles(...)) hands the app: the whole path, and
    # the mount's prefix as root_path.
    app = StaticFiles(directory=statics, html=True)
    async with client_for(app, root_path="/static") as client:
        response = await client.get("/example.txt")
        assert response.status_code == 200
        assert response.text == "<file content>"
        response = await client.get("/dir")
        assert response.status_code == 307
        assert response.headers["location"] == "http://testserver/static/dir/"
        response = await client.get("/dir/")
        assert response.text == "<h1>Hello</h1>"


@pytest.mark.parametrize(
    "raw_path",
    [
        "/../secret.txt",
        "/dir/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/dir/..%2f..%2fsecret.txt",
        "//" + "secret.txt",
    ],
)
async def test_a_path_leaving_the_directory_is_not_found(statics: Path, raw_path: str) -> None:
    app = StaticFiles(directory=statics)
    async with client_for(app) as client:
        response = await client.get(raw_path)
    assert response.status_code == 404
    assert response.text == "Not Found"


async def test_an_absolute_path_in_the_request_is_not_served(statics: Path) -> None:
    app = StaticFiles(directory=statics)
    scope = {"type": "http", "method": "GET", "path": "/" + str(statics / "example.txt"), "headers": []}
    path = app.get_path(scope)
    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(path, scope)
    assert exc_info.value.status_code == 404


async def test_a_symlink_leaving_the_directory_is_refused_unless_followed(statics: Path) -> None:
    os.symlink(statics.parent / "secret.txt", statics / "link.txt")
    async with client_for(StaticFiles(directory=statics)) as client:
        response = await client.get("/link.txt")
        assert response.status_code == 404
    async with client_for(StaticFiles(directory=statics, follow_symlink=True)) as client:
        response = await client.get("/link.txt")
        assert response.status_code == 200
        assert response.text == "outside the directory"


async def test_ranges_and_head(statics: Path) -> None:
    app = StaticFiles(directory=statics)
    async with client_for(app) as client:
        response = await client.get("/example.txt", headers={"range": "bytes=1-4"})
        assert response.status_code == 206
        assert response.content == b"file"
        assert response.headers["content-range"] == "bytes 1-4/14"
        response = await client.get("/example.txt", headers={"range": "bytes=100-"})
        assert response.status_code == 416
        assert response.headers["content-range"] == "bytes */14"
        response = await client.head("/example.txt")
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def _messages(
    app: ASGIApp, method: str, headers: list[tuple[bytes, bytes]], *, spec: str = "2.4", received: int = 0
) -> list[Message]:
    """What ``app`` sends for ``GET /example.txt`` under a server that offers ``http.response.pathsend``;
    ``received``: how many times it may call ``receive``."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/example.txt",
        "raw_path": b"/example.txt",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "extensions": {"http.response.pathsend": {}},
    }
    sent: list[Message] = []
    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        assert calls <= received, "the app listened for the disconnect"
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_the_server_sends_the_whole_file_when_it_offers_pathsend(statics: Path) -> None:
    # As Starlette's FileResponse: only a whole file's body is left to the server (not HEAD, a range, a 304).
    app = StaticFiles(directory=statics)
    start, pathsend = await _messages(app, "GET", [])
    assert (start["type"], start["status"]) == ("http.response.start", 200)
    assert (b"content-length", b"14") in start["headers"]
    assert pathsend == {"type": "http.response.pathsend", "path": str((statics / "example.txt").resolve())}
    head = await _messages(app, "HEAD", [])
    assert [message["type"] for message in head] == ["http.response.start", "http.response.body"]
    ranged = await _messages(app, "GET", [(b"range", b"bytes=1-4")])
    assert ranged[0]["status"] == 206
    assert b"".join(message.get("body", b"") for message in ranged[1:]) == b"file"
    etag = dict(start["headers"])[b"etag"]
    not_modified = await _messages(app, "GET", [(b"if-none-match", etag)])
    assert [message["type"] for message in not_modified] == ["http.response.start", "http.response.body"]
    assert not_modified[0]["status"] == 304


async def test_a_file_the_server_sends_is_not_watched_for_the_disconnect(statics: Path) -> None:
    # As Starlette's FileResponse: under a server before ASGI spec 2.4 (granian speaks 2.3), a body
    # sent by pathsend needs no listener for the client leaving (a task per file otherwise).
    app = StaticFiles(directory=statics)
    start, pathsend = await _messages(app, "GET", [], spec="2.3")
    assert (start["status"], pathsend["type"]) == (200, "http.response.pathsend")


async def test_a_304_keeps_only_the_validator_and_cache_headers(statics: Path) -> None:
    app = StaticFiles(directory=statics)
    async with client_for(app) as client:
        first = await client.get("/example.txt")
        response = await client.get("/example.txt", headers={"if-none-match": first.headers["etag"]})
    assert response.status_code == 304
    assert dict(response.headers) == {"etag": first.headers["etag"]}


async def test_a_subclass_decides_what_is_not_modified(statics: Path) -> None:
    class NeverNotModified(StaticFiles):
        def is_not_modified(self, response_headers: Any, request_headers: Any) -> bool:
            return False

    async with client_for(NeverNotModified(directory=statics)) as client:
        first = await client.get("/example.txt")
        response = await client.get("/example.txt", headers={"if-none-match": first.headers["etag"]})
        assert response.status_code == 200
        assert response.text == "<file content>"
        response = await client.get("/example.txt", headers={"if-modified-since": first.headers["last-modified"]})
        assert response.status_code == 200


async def test_a_subclass_serves_index_html_for_unknown_paths(statics: Path) -> None:
    # The single-page app recipe: get_response raises the 404, a subclass catches it.
    class SPAStaticFiles(StaticFiles):
        async def get_response(self, path: str, scope: Scope) -> Any:
            try:
                return await super().get_response(path, scope)
            except HTTPException as exc:
                if exc.status_code != 404:
                    raise
                return await super().get_response("dir/index.html", scope)

    async with client_for(SPAStaticFiles(directory=statics)) as client:
        response = await client.get("/some/client/route")
        assert response.status_code == 200
        assert response.text == "<h1>Hello</h1>"
        response = await client.post("/some/client/route")
        assert response.status_code == 405


async def test_a_lookup_path_override_is_used(statics: Path) -> None:
    class Aliased(StaticFiles):
        def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
            return super().lookup_path("example.txt" if path == "alias" else path)

    async with client_for(Aliased(directory=statics)) as client:
        response = await client.get("/alias")
    assert response.text == "<file content>"


async def test_the_bare_app_answers_a_404_the_starlette_way(statics: Path) -> None:
    # Served bare, nothing above it would answer what it raises: it answers as Starlette's default handler.
    async with client_for(StaticFiles(directory=statics)) as client:
        response = await client.get("/missing.txt")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Not Found"


def not_found_page(request: Any, exc: Exception) -> Any:
    return PlainTextResponse(f"no page for {request.url.path}", status_code=404)


async def test_under_a_portable_mount_it_raises_to_the_apps_handlers(statics: Path) -> None:
    routes = [Mount("/static", app=StaticFiles(directory=statics))]
    async with client_for(create_app(routes, framework="asgi", exception_handlers={404: not_found_page})) as client:
        found = await client.get("/static/example.txt")
        missing = await client.get("/static/missing.txt")
        refused = await client.post("/static/example.txt")
    assert (found.status_code, found.text) == (200, "<file content>")
    assert (missing.status_code, missing.text) == (404, "no page for /static/missing.txt")
    # No 405 handler: the host's own answer (the bare ASGI host's is Starlette's plain text).
    assert (refused.status_code, refused.text, refused.headers["allow"]) == (405, "Method Not Allowed", "GET, HEAD")


async def test_in_a_starlette_apps_own_mount_its_handlers_answer(statics: Path) -> None:
    import starlette.applications
    import starlette.routing

    native = starlette.routing.Mount("/static", app=StaticFiles(directory=statics))
    with_page = starlette.applications.Starlette(routes=[native], exception_handlers={404: not_found_page})
    async with client_for(with_page) as client:
        assert (await client.get("/static/missing.txt")).text == "no page for /static/missing.txt"
    # Without a handler, Starlette's default one: not a 500.
    async with client_for(starlette.applications.Starlette(routes=[native])) as client:
        missing = await client.get("/static/missing.txt")
    assert (missing.status_code, missing.text) == (404, "Not Found")


async def test_in_a_starlette_app_under_a_portable_mount_the_nearest_handlers_answer(statics: Path) -> None:
    import starlette.applications
    import starlette.routing

    inner = starlette.applications.Starlette(
        routes=[starlette.routing.Mount("/static", app=StaticFiles(directory=statics))],
        exception_handlers={404: not_found_page},
    )
    app = create_app([Mount("/site", app=inner)], framework="asgi")
    async with client_for(app) as client:
        missing = await client.get("/site/static/missing.txt")
    # The Starlette app in between answers, as it would under Starlette: its handler, not a 500.
    assert (missing.status_code, missing.text) == (404, "no page for /site/static/missing.txt")


def test_the_module_imports_no_starlette() -> None:
    import subprocess

    code = "import sys, portable_endpoints.staticfiles; print('starlette' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
