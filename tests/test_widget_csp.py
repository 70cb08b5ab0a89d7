"""The widget page's Content-Security-Policy (issue 12, item 4): strict, and the widget
works under it in Chromium (tests/browser/test_widget_csp_browser.py)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, List, Tuple

import pytest
import requests

pytestmark = pytest.mark.server


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
