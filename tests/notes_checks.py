"""The notes site's own tests, written once: run against the Starlette original (the reference) and
against its port on every host. Each check is what a user of the site sees, read on the client side."""

from __future__ import annotations

from typing import Any

from portable_endpoints.testing import TestClient

STYLESHEET_COLOUR = "rgb(20, 110, 60)"


async def check_notes_site(app: Any) -> None:
    """Everything the site does, in the order a visitor meets it; lifespan state lives across requests."""
    async with TestClient(app) as client:
        home = await client.get("/")
        assert home.status_code == 200, home.text
        assert home.headers["content-type"] == "text/html; charset=utf-8"
        assert home.headers["x-served-by"] == "notes"
        assert '<link rel="stylesheet" href="http://testserver/static/notes.css">' in home.text
        assert 'id="visits">Visits this session: 1<' in home.text
        assert 'action="http://testserver/notes"' in home.text

        again = await client.get("/")
        assert 'id="visits">Visits this session: 2<' in again.text, "the session cookie was not kept"

        saved = await client.post("/notes", data={"text": "buy milk"})
        assert saved.status_code == 303
        assert saved.headers["location"] == "http://testserver/"
        listed = await client.get("/")
        assert '<p class="flash">Saved note 1</p>' in listed.text
        assert '<li><a href="http://testserver/notes/1">buy milk</a></li>' in listed.text
        shown_once = await client.get("/")
        assert "Saved note" not in shown_once.text, "the flash message was not popped from the session"

        note = await client.get("/notes/1")
        assert note.status_code == 200
        assert note.json() == {"number": 1, "text": "buy milk"}

        # An HTTPException no handler answers is the host's own error, in the host's error format
        # (DESIGN.md section 3); Starlette's is the detail as plain text.
        empty = await client.post("/notes", data={"text": "  "})
        assert empty.status_code == 400

        for path, detail in (("/notes/2", "No note 2"), ("/no/such/page", "Not Found")):
            missing = await client.get(path)
            assert missing.status_code == 404, path
            assert "<h1>Not found</h1>" in missing.text, path
            assert f'<p id="detail">{detail}</p>' in missing.text, path

        css = await client.get("/static/notes.css", headers={"accept-encoding": "identity"})
        assert css.status_code == 200
        assert css.headers["content-type"] == "text/css; charset=utf-8"
        assert STYLESHEET_COLOUR in css.text
        assert "etag" in css.headers
        assert "last-modified" in css.headers
        cached = await client.get("/static/notes.css", headers={"if-none-match": css.headers["etag"]})
        assert cached.status_code == 304
        part = await client.get("/static/notes.css", headers={"range": "bytes=0-9", "accept-encoding": "identity"})
        assert (part.status_code, part.content) == (206, css.content[:10])
        zipped = await client.get("/static/notes.css", headers={"accept-encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.content == css.content  # the client decodes it, as httpx does
        # StaticFiles raises its 404 to the app, whose 404 handler answers with the site's page, as in Starlette.
        missing_css = await client.get("/static/no-such.css")
        assert missing_css.status_code == 404
        assert "<h1>Not found</h1>" in missing_css.text
        assert '<p id="detail">Not Found</p>' in missing_css.text

        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("ping")
            assert await websocket.receive_json() == {"notes": 1, "echo": "ping"}
