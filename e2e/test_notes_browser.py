"""The notes site (templates, static files, sessions, middleware) in a real browser, on every host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from portable_endpoints.cli import build_app
from portable_endpoints.testing.plugin import Host
from tests.notes_checks import STYLESHEET_COLOUR
from tests.servers import running

NOTES = str(Path(__file__).parent.parent / "examples" / "notes.py")


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn"])
def test_notes_page_styles_posts_and_remembers(browser: Browser, pe_host: Host, server: str, tmp_path: Path) -> None:
    with running(build_app(NOTES, pe_host.name), server) as address:
        page = browser.new_page()
        page.goto(f"http://{address}/")
        # The stylesheet came from StaticFiles, through the link url_for built in the template.
        assert page.eval_on_selector("h1", "element => getComputedStyle(element).color") == STYLESHEET_COLOUR
        assert page.inner_text("#visits") == "Visits this session: 1"
        page.fill("#text", "water the plants")
        page.click("text=Save")
        page.wait_for_selector(".flash", timeout=10_000)
        assert page.inner_text(".flash") == "Saved note 1"
        assert page.locator("#notes li").all_inner_texts() == ["water the plants"]
        # The session cookie the browser keeps: one more visit, and the flash message is gone.
        page.reload()
        assert page.inner_text("#visits") == "Visits this session: 3"
        assert page.locator(".flash").count() == 0
        page.click("text=water the plants")
        assert json.loads(page.inner_text("pre")) == {"number": 1, "text": "water the plants"}
        page.screenshot(path=str(tmp_path / f"notes-{pe_host.name}-{server}.png"))
        page.close()
