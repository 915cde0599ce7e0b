"""The chat page in a real browser (Debian's chromium, driven by Playwright), on every host."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from examples.chat import routes
from portable_endpoints.testing.plugin import Host
from tests.servers import running


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn"])
def test_chat_page_echoes_messages(browser: Browser, pe_host: Host, server: str, tmp_path: Path) -> None:
    with running(pe_host.app(routes), server) as address:
        page = browser.new_page()
        page.goto(f"http://{address}/")
        assert page.inner_text("h1") == "WebSocket Chat"
        page.wait_for_function("window.ws && ws.readyState === WebSocket.OPEN", timeout=10_000)
        for text in ("hello", "from the browser"):
            page.fill("#messageText", text)
            page.click("text=Send")
        page.wait_for_function("document.querySelectorAll('#messages li').length === 2", timeout=10_000)
        assert page.locator("#messages li").all_inner_texts() == [
            "Message text was: hello",
            "Message text was: from the browser",
        ]
        page.screenshot(path=str(tmp_path / f"chat-{pe_host.name}-{server}.png"))
        page.close()
