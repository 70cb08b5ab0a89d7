"""The widget page's Content-Security-Policy (issue 12, item 4): strict, and the widget
works under it in Chromium (no violation reported, an answer with the notice arrives)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, List, Tuple

import pytest
import requests

from bot.notice import NOTICE

pytestmark = pytest.mark.server
CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = Path(__file__).resolve().parents[1] / "bot" / "web" / "dist" / "widget.js"


class _Inline(HTMLParser):
    """Collects inline script, event-handler attributes and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: List[Tuple[str, str]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Any]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.found.append(("script", "without src"))
        self.found += [(tag, name) for name in names if name.startswith("on") or name == "style"]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(("script", "inline code"))


def test_page_has_a_strict_policy_and_no_inline_code(server: Any) -> None:
    response = requests.get(server.web_url, timeout=30)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    rasa_port = server.url.rsplit(":", 1)[1]
    connect = directives["connect-src"].split()
    assert f"http://localhost:{rasa_port}" in connect and f"ws://localhost:{rasa_port}" in connect
    assert "*" not in connect and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    parser = _Inline()
    parser.feed(response.text)
    assert not parser.found


@pytest.mark.skipif(not CHROMIUM.is_file() or not BUNDLE.is_file(),
                    reason="needs Debian's chromium and the built widget (npm run build)")
def test_widget_works_under_the_policy_in_chromium(server: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            console: List[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.add_init_script("""window.__violations = [];
                document.addEventListener('securitypolicyviolation', e =>
                    window.__violations.push(e.violatedDirective + ' ' + e.blockedURI), true);""")
            page.goto(server.web_url)
            page.get_by_role("button", name=re.compile("Ask about cancer spread")).click()
            box = page.get_by_role("textbox", name="Your question")
            box.fill("what is metastasis")
            box.press("Enter")
            # the greeting (the demo page sends /greet) and the answer, each with the notice
            expect(page.locator(".turn.bot .notice:not([hidden])")).to_have_count(
                2, timeout=30_000)
            assert NOTICE.split(".")[0] in page.locator(".turn.bot").last.inner_text()
            violations = page.evaluate("window.__violations")
            assert not violations, violations
            assert not [c for c in console if "Content Security Policy" in c], console
        finally:
            browser.close()
