"""The room in a real browser: two chromium pages on two processes running different hosts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from broker_tests.brokers import Broker
from broker_tests.rooms import HOSTS, settle
from e2e.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_room(browser: Browser, address: str) -> Page:
    page = browser.new_page()
    page.goto(f"http://{address}/")
    assert page.inner_text("h1") == "WebSocket Room"
    page.wait_for_function("window.ws && ws.readyState === WebSocket.OPEN", timeout=10_000)
    return page


def say(page: Page, text: str) -> None:
    page.fill("#messageText", text)
    page.click("text=Send")


def wait_for_messages(page: Page, count: int) -> list[str]:
    page.wait_for_function(f"document.querySelectorAll('#messages li').length >= {count}", timeout=15_000)
    texts: list[str] = page.locator("#messages li").all_inner_texts()
    return texts


def test_two_pages_on_two_hosts_see_each_others_messages(
    browser: Browser, broker: Broker, rooms: list[str], tmp_path: Path
) -> None:
    settle(rooms)
    first, second = (open_room(browser, address) for address in rooms)
    say(first, f"hello from {HOSTS[0]}")
    expected = [f"Message text was: hello from {HOSTS[0]}"]
    assert wait_for_messages(first, 1) == expected
    assert wait_for_messages(second, 1) == expected
    say(second, f"hello from {HOSTS[1]}")
    expected.append(f"Message text was: hello from {HOSTS[1]}")
    assert wait_for_messages(second, 2) == expected
    assert wait_for_messages(first, 2) == expected
    for name, page in zip(HOSTS, (first, second), strict=True):
        page.screenshot(path=str(tmp_path / f"room-{broker.scheme}-{name}.png"))
        page.close()
