"""``examples/login.py`` in a real browser, on every host: log in, the protected page and its WebSocket,
log out, turned away."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from portable_endpoints.cli import build_app
from portable_endpoints.testing.plugin import Host
from tests.servers import running

LOGIN = str(Path(__file__).parent.parent / "examples" / "login.py")


def test_log_in_see_the_protected_page_and_socket_log_out(browser: Browser, pe_host: Host, tmp_path: Path) -> None:
    with running(build_app(LOGIN, pe_host.name), "uvicorn") as address:
        page = browser.new_page()
        page.goto(f"http://{address}/")
        assert page.url == f"http://{address}/login?next=http%3A%2F%2F{address.replace(':', '%3A')}%2F"
        page.fill("#username", "ada")
        page.fill("#password", "wrong")
        page.click("button:has-text('Log in')")
        assert page.inner_text("#error") == "Unknown user or wrong password"
        page.fill("#username", "ada")
        page.fill("#password", "lovelace")
        page.click("button:has-text('Log in')")
        page.wait_for_selector("#who", timeout=10_000)
        assert page.inner_text("#who") == "Signed in as ada"
        page.wait_for_function("document.getElementById('socket').textContent === 'ada said hello'", timeout=10_000)
        page.screenshot(path=str(tmp_path / f"login-{pe_host.name}.png"))
        page.click("text=Log out")
        page.wait_for_selector("#username", timeout=10_000)
        page.goto(f"http://{address}/")
        assert "/login?next=" in page.url
        page.close()
