"""Browser fixtures: Debian's Chromium driven by Playwright, against the real servers.

Uses the `server` fixture of tests/conftest.py (Rasa at `.url`, the demo page at `.web_url`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.contract import NOTICE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUNDLE = ROOT / "bot" / "web" / "dist" / "widget.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPLY_MS = 30_000  # the first answers of a fresh server can be slow


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the chat widget in Chromium against the real servers")


@pytest.fixture(scope="session")
def browser():
    for path, fix in (
        (Path(CHROMIUM), "apt-get install -y chromium"),
        (BUNDLE, "npm ci --no-audit --no-fund && npm run build"),
        (AXE, "npm ci --no-audit --no-fund"),
    ):
        if not path.is_file():
            pytest.fail(f"{path} is missing; run: {fix}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (empty localStorage) per test."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(REPLY_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.errors = []  # uncaught page errors fail the test at teardown
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    assert not pg.errors, f"JavaScript errors in the page: {pg.errors}"


class Chat:
    """Drives the widget through its visible, labelled controls (Playwright pierces its open shadow root)."""

    def __init__(self, page, web_url: str):
        self.page = page
        self.web_url = web_url
        self.launcher = page.get_by_role("button", name=re.compile("Ask about cancer spread"))
        self.panel = page.get_by_role("dialog", name="Questions about cancer spread")
        self.input = page.get_by_role("textbox", name="Your question")
        self.bot_turns = page.locator(".turn.bot")
        self.user_turns = page.locator(".turn.user")
        self.notices = page.locator(".turn.bot .notice:not([hidden])")
        self.status = page.locator("#metastasis-chat-widget .status")

    def goto(self) -> "Chat":
        self.page.goto(self.web_url)
        self.launcher.wait_for()
        return self

    def open(self) -> "Chat":
        self.launcher.click()
        self.input.wait_for()
        return self

    def wait_greeting(self) -> "Chat":
        self.wait_replies(1)
        return self

    def wait_replies(self, count: int) -> None:
        """Wait until `count` bot replies are complete (each ends with the notice)."""
        from playwright.sync_api import expect

        # The notice ends the turn's last frame, which also carries its buttons (Rasa's
        # socket.io output sends the paragraphs first), so the whole reply is on screen.
        expect(self.notices).to_have_count(count, timeout=REPLY_MS)
        expect(self.notices.nth(count - 1)).to_have_text(NOTICE)

    def ask(self, text: str) -> None:
        before = self.notices.count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_replies(before + 1)

    def last_reply(self):
        return self.bot_turns.last

    def active(self) -> dict:
        """What has keyboard focus, looking inside the widget's shadow root."""
        return self.page.evaluate(
            """() => {
                let el = document.activeElement;
                while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
                return el ? {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
                             text: (el.textContent || '').trim(),
                             label: el.getAttribute('aria-label') || '',
                             outline: getComputedStyle(el).outlineStyle} : {};
            }"""
        )


@pytest.fixture
def make_chat(server):
    """Chat driver for any page (tests that need their own viewport)."""
    return lambda page: Chat(page, server.web_url)


@pytest.fixture
def chat(page, make_chat) -> Chat:
    return make_chat(page)


@pytest.fixture(scope="session")
def axe():
    """axe(page) -> violations; injected by CDP evaluation, so the page's CSP does not block it."""
    source = AXE.read_text(encoding="utf-8")

    def run(page) -> list[dict]:
        if not page.evaluate("() => !!window.axe"):
            page.evaluate(source + "\n;undefined")
        return page.evaluate(_AXE_RUN)

    return run


_AXE_RUN = """async () => {
    const r = await axe.run(document, {resultTypes: ['violations']});
    return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
}"""
