"""What both sides of a toolkit comparison share (``bench.toolkit``, ``bench.toolkit_native``): the
bodies, the files they serve (``Fixture``), the session cookies the requests carry, the event streams."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

SECRET_KEY = "bench-secret"
TOKEN = "bench-token"
ORIGIN = b"https://app.example.org"
#: the session the middleware-stack requests carry, signed as both SessionMiddlewares sign it
SESSION = {"user": "ada"}
#: 2 KiB of text: above GZipMiddleware's minimum size (500 bytes), so it is compressed
LARGE_TEXT = "".join(f"line {index:04d} of the large body\n" for index in range(64))[:2048]
STATIC_TEXT = "".join(f"static line {index:03d}\n" for index in range(24))  # 408 bytes
#: the small file the other hosts serve: JSON, whose content type no host gives a charset (Starlette
#: adds one to every text/* type, Django, Falcon and Sanic to none), 408 bytes too
STATIC_JSON = json.dumps({"lines": [f"static line {index:03d}" for index in range(21)]})[:406].ljust(406) + "\n\n"
ITEMS = list(range(10))
_TEMPLATE = (
    "<html><head><title>{{{{ title }}}}</title></head><body><ul>\n"
    "{{% for item in items %}}"
    '<li><a href="{url}">item {{{{ item }}}}</a></li>\n'
    "{{% endfor %}}"
    "</ul></body></html>\n"
)
#: the portable template (Starlette's ``url_for``: an absolute URL), and each native side's own way
#: of writing the same absolute URL
TEMPLATES = {
    "items.html": _TEMPLATE.format(url="{{ url_for('item', item_id=item) }}"),
    "items_litestar.html": _TEMPLATE.format(url="{{ request.url_for('item', item_id=item) }}"),
    "items_quart.html": _TEMPLATE.format(url="{{ url_for('item', item_id=item, _external=True) }}"),
    "items_sanic.html": _TEMPLATE.format(url="{{ request.url_for('item', item_id=item) }}"),
    # Falcon reverses no URL: its users write it, from the request's prefix
    "items_falcon.html": _TEMPLATE.format(url="{{ prefix }}/items/{{ item }}"),
}
#: events per stream of the per-event row
SSE_EVENTS = 100
#: the cookie names of the native sessions: never ``session``, which the portable side reads
QUART_SESSION_COOKIE = "quart_session"
LITESTAR_SESSION_COOKIE = "litestar_session"
DJANGO_SESSION_COOKIE = "sessionid"
#: 16 bytes: Litestar's client-side sessions encrypt with AES-GCM
LITESTAR_SECRET = b"bench-secret-16b"


class Fixture:
    """The files the apps serve: a static directory with one small file, a template directory; and
    the session cookies of the middleware-stack requests."""

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="bench-toolkit-")
        root = Path(self._directory.name)
        self.static = root / "static"
        self.templates = root / "templates"
        self.static.mkdir()
        self.templates.mkdir()
        (self.static / "small.txt").write_text(STATIC_TEXT)
        (self.static / "small.json").write_text(STATIC_JSON)
        for name, text in TEMPLATES.items():
            (self.templates / name).write_text(text)
        from starlette.responses import FileResponse

        path = self.static / "small.txt"
        self.etag = FileResponse(path, stat_result=path.stat()).headers["etag"].encode()
        #: the JSON file's modification date, as a client sends it back in If-Modified-Since
        self.last_modified = email.utils.formatdate((self.static / "small.json").stat().st_mtime, usegmt=True).encode()
        self.session_cookie = signed_session(SESSION)
        self._native_cookies: dict[str, bytes] = {}

    def native_session_cookie(self, host: str) -> bytes:
        """``host``'s own session cookie (``name=value``) holding ``SESSION``; b"" where it has none."""
        if host not in self._native_cookies:
            self._native_cookies[host] = native_session_cookie(host)
        return self._native_cookies[host]

    def cleanup(self) -> None:
        self._directory.cleanup()


def signed_session(session: dict[str, str]) -> bytes:
    """The ``session`` cookie value both SessionMiddlewares accept (Starlette's signing)."""
    import itsdangerous

    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(SECRET_KEY).sign(data)


def native_session_cookie(host: str) -> bytes:
    """The host's own session cookie (``name=value``) holding ``SESSION``, or b"" (no sessions)."""
    if host == "quart":
        from quart import Quart

        app = Quart("bench_cookie")
        app.secret_key = SECRET_KEY
        serializer = app.session_interface.get_signing_serializer(app)
        assert serializer is not None  # a secret key is set
        return f"{QUART_SESSION_COOKIE}={serializer.dumps(dict(SESSION))}".encode()
    if host == "litestar":
        from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig

        backend = ClientSideSessionBackend(CookieBackendConfig(secret=LITESTAR_SECRET, key=LITESTAR_SESSION_COOKIE))
        (chunk,) = backend.dump_data(dict(SESSION))
        return f"{LITESTAR_SESSION_COOKIE}=".encode() + chunk
    if host == "django":
        from bench.django_native import configure

        configure()
        from django.contrib.sessions.backends.signed_cookies import SessionStore

        store = SessionStore()
        store.update(SESSION)
        store.save()
        return f"{DJANGO_SESSION_COOKIE}={store.session_key}".encode()
    return b""


async def events(count: int) -> AsyncIterator[dict[str, str]]:
    for index in range(count):
        yield {"id": str(index), "data": f"event {index}"}


async def open_stream() -> AsyncIterator[dict[str, str]]:
    """One event, then nothing until the client leaves (the stream is cancelled then)."""
    yield {"data": "open"}
    await asyncio.get_running_loop().create_future()
