"""Static files as a pure ASGI app: ``StaticFiles(directory=...)``, Starlette 1.10's, on every host.

Ported from Starlette's ``starlette/staticfiles.py`` (BSD-3-Clause, Copyright © 2018, Encode OSS Ltd.).

As Starlette's, the ``HTTPException`` that ``get_response`` raises (404, 405 with ``Allow``, 401)
is raised to the app around it when that app answers it: under a portable ``Mount(app=...)`` the
portable one (the app's ``exception_handlers``, else the host's own HTTP error); inside a Starlette
app's own ``Mount``, Starlette's (that app's handlers). Served bare (standalone, or mounted natively
in another host, which would turn an exception into a 500), it answers itself, as Starlette's
default handler would (the detail as plain text, ``Not Found``).
"""

from __future__ import annotations

import errno
import functools
import importlib.util
import os
import stat
import sys
from email.utils import parsedate

import anyio
import anyio.to_thread

from portable_endpoints._dispatch import plain_error
from portable_endpoints._handover import raise_http_errors
from portable_endpoints.datastructures import URL, Headers
from portable_endpoints.exceptions import HTTPException
from portable_endpoints.responses import FileResponse, RedirectResponse, Response
from portable_endpoints.routing import path_below_root
from portable_endpoints.types import Receive, Scope, Send

PathLike = str | os.PathLike[str]


class NotModifiedResponse(Response):
    """The 304 answering a conditional request: no body, and only the validator and cache headers."""

    NOT_MODIFIED_HEADERS = (
        "cache-control",
        "content-location",
        "date",
        "etag",
        "expires",
        "vary",
    )

    def __init__(self, headers: Headers):
        super().__init__(status_code=304)
        # Kept as a dict of them would keep them (the last value of a repeated name, where the first
        # was), from the raw list: the values were checked when they were set.
        wanted = _raw_names(tuple(self.NOT_MODIFIED_HEADERS))
        raw = headers.raw if isinstance(headers, Headers) else Headers(headers).raw
        kept = {name: value for name, value in raw if name in wanted}
        self.raw_headers = list(kept.items())


@functools.lru_cache(maxsize=8)
def _raw_names(names: tuple[str, ...]) -> frozenset[bytes]:
    return frozenset(name.lower().encode("latin-1") for name in names)


class _StaticFileResponse(FileResponse):
    """A ``FileResponse`` that leaves the 304 to ``StaticFiles.is_not_modified``.

    The portable ``FileResponse`` answers conditional requests itself; Starlette's does not, and a
    ``StaticFiles`` subclass overriding ``is_not_modified`` must have the last word. Ranges still apply.
    """

    _answers_not_modified = False


class StaticFiles:
    """An ASGI app serving the files of ``directory`` and of ``packages``' ``statics`` directories.

    :param directory: the directory to serve; checked to exist now unless ``check_dir=False``
        (then on the first request).
    :param packages: packages whose ``statics`` directory is served too; ``(package, "subdir")``
        names another directory of the package.
    :param html: serve ``index.html`` for a directory (redirecting ``/dir`` to ``/dir/``) and
        ``404.html``, when present, for a missing file.
    :param follow_symlink: serve files that symlinks inside the directory point to, wherever they are.
        Off by default: a path whose real location leaves the directory is a 404.

    Only GET and HEAD are served (405 otherwise, with ``Allow: GET, HEAD``); responses carry
    ``ETag`` and ``Last-Modified``, answer ``If-None-Match`` / ``If-Modified-Since`` with 304 and
    ``Range`` with 206. A WebSocket connection is refused.

    A missing file (404), another method (405) or an unreadable one (401) raises ``HTTPException``
    under a portable ``Mount(app=...)``, as in Starlette: the app's ``exception_handlers`` answer
    it (``{404: page}``), else the host's own error. Inside a Starlette app's own ``Mount`` it raises
    Starlette's ``HTTPException``, which that app's handlers answer. Served any other way (on its
    own, or mounted natively into another host's app), ``StaticFiles`` answers it itself: the detail
    as plain text, as Starlette's default handler does. ``get_response`` always raises the portable
    one, so a subclass may catch it (say, to serve ``index.html`` for a single-page app's routes).
    """

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.config_checked = False
        self.follow_symlink = follow_symlink
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        """
        Given `directory` and `packages` arguments, return a list of all the
        directories that should be used for serving static files from.
        """
        directories = []
        if directory is not None:
            directories.append(directory)

        for package in packages or []:
            if isinstance(package, tuple):
                package, statics_dir = package
            else:
                statics_dir = "statics"
            spec = importlib.util.find_spec(package)
            assert spec is not None, f"Package {package!r} could not be found."
            assert spec.origin is not None, f"Package {package!r} could not be found."
            package_directory = os.path.normpath(os.path.join(spec.origin, "..", statics_dir))
            assert os.path.isdir(package_directory), (
                f"Directory '{statics_dir!r}' in package {package!r} could not be found."
            )
            directories.append(package_directory)

        return directories

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """
        The ASGI entry point.
        """
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return

        assert scope["type"] == "http"

        if not self.config_checked:
            await self.check_config()
            self.config_checked = True

        path = self.get_path(scope)
        try:
            response = await self.get_response(path, scope)
        except HTTPException as exc:
            if raise_http_errors(scope):
                raise
            starlettes = _starlette_http_exception(scope, exc)
            if starlettes is not None:
                raise starlettes from exc
            response = plain_error(exc)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """
        Given the ASGI scope, return the `path` string to serve up,
        with OS specific path separators, and any '..', '.' components removed.
        """
        route_path = path_below_root(scope)
        return os.path.normpath(os.path.join(*route_path.split("/")))

    async def get_response(self, path: str, scope: Scope) -> Response:
        """
        Returns an HTTP response, given the incoming path, method and request headers.
        """
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})

        try:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401) from None
        except OSError as exc:
            # Filename is too long, so it can't be a valid static file.
            if exc.errno == errno.ENAMETOOLONG:
                raise HTTPException(status_code=404) from None

            raise exc
        except ValueError:
            # Null bytes or other invalid characters in the path.
            raise HTTPException(status_code=404) from None

        if stat_result and stat.S_ISREG(stat_result.st_mode):
            # We have a static file to serve.
            return self.file_response(full_path, stat_result, scope)

        elif stat_result and stat.S_ISDIR(stat_result.st_mode) and self.html:
            # We're in HTML mode, and have got a directory URL.
            # Check if we have 'index.html' file to serve.
            index_path = os.path.join(path, "index.html")
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, index_path)
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                if not scope["path"].endswith("/"):
                    # Directory URLs should redirect to always end in "/".
                    url = _request_url(scope)
                    url = url.replace(path=url.path + "/")
                    return RedirectResponse(url=url)
                return self.file_response(full_path, stat_result, scope)

        if self.html:
            # Check for '404.html' if we're in HTML mode.
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, "404.html")
            if stat_result and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, stat_result=stat_result, status_code=404)
        raise HTTPException(status_code=404)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The full path of ``path`` in the first directory that has it, and its stat; ``("", None)``
        when none has it or it would leave the directory (``..``, an absolute path, or a symlink
        pointing outside unless ``follow_symlink``)."""
        # Reject absolute paths so they cannot escape the served directory.
        if path.startswith(("/", "\\")):
            return "", None
        for directory in self.all_directories:
            joined_path = os.path.join(directory, path)
            if self.follow_symlink:
                full_path = os.path.abspath(joined_path)
                directory = os.path.abspath(directory)
            else:
                full_path = os.path.realpath(joined_path)
                directory = os.path.realpath(directory)
            if os.path.commonpath([full_path, directory]) != str(directory):
                # Don't allow misbehaving clients to break out of the static files directory.
                continue
            try:
                return full_path, os.stat(full_path)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return "", None

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """The file at ``full_path``, or a 304 when ``is_not_modified`` says the client's copy is current."""
        request_headers = Headers(scope=scope)

        response = _StaticFileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        """
        Perform a one-off configuration check that StaticFiles is actually
        pointed at a directory, so that we can raise loud errors rather than
        just returning 404 responses.
        """
        if self.directory is None:
            return

        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, self.directory)
        except FileNotFoundError:
            raise RuntimeError(f"StaticFiles directory '{self.directory}' does not exist.") from None
        if not (stat.S_ISDIR(stat_result.st_mode) or stat.S_ISLNK(stat_result.st_mode)):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory.")

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        """
        Given the request and response headers, return `True` if an HTTP
        "Not Modified" response could be returned instead.
        """
        if if_none_match := request_headers.get("if-none-match"):
            if if_none_match.strip() == "*":
                return True
            # The "etag" header is added by FileResponse, so it's always present.
            etag = response_headers["etag"]
            return etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]

        try:
            if_modified_since = parsedate(request_headers["if-modified-since"])
            last_modified = parsedate(response_headers["last-modified"])
            if if_modified_since is not None and last_modified is not None and if_modified_since >= last_modified:
                return True
        except KeyError:
            pass

        return False


def _starlette_http_exception(scope: Scope, exc: HTTPException) -> Exception | None:
    """``exc`` as Starlette's ``HTTPException`` when a Starlette app's exception middleware is around
    (its ``"starlette.exception_handlers"`` scope key): that app's handlers answer it, as they answer
    Starlette's ``StaticFiles``. None otherwise."""
    if "starlette.exception_handlers" not in scope:
        return None
    exceptions = sys.modules.get("starlette.exceptions")  # imported by the app that set the key
    if exceptions is None:
        return None
    error: Exception = exceptions.HTTPException(exc.status_code, exc.detail, exc.headers)
    return error


def _request_url(scope: Scope) -> URL:
    """The URL of the request, its path escaped as Starlette's ``URL(scope=scope)`` escapes it."""
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    return URL.from_scope({**scope, "path": path})


__all__ = ["NotModifiedResponse", "StaticFiles"]
