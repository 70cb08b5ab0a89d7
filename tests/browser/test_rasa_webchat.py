"""rasa-webchat 1.0.1 (the community's Rasa widget, an npm dev dependency), unchanged, on a
plain page of its own, in Chromium, against the real running assistant.

It must render, upgrade to WebSocket without a failed connection in the console, and get
an answer with its sources and the notice, with no stray bubble from our meta message.
"""

from __future__ import annotations

import json
import re
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTICE = (
    "This information is educational only and is not medical advice. "
    "Please talk with your care team about your own situation."
)
REPLY_MS = 90_000  # rasa-webchat shows each bubble after a typing delay of up to 3 s

WEBCHAT = ROOT / "node_modules" / "rasa-webchat"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic page with rasa-webchat</title></head>
<body><main><h1>Our clinic</h1><p>Questions about cancer spread? Use the chat.</p></main>
<script src="/rasa-webchat.js"></script>
<script>
  WebChat.default({
    initPayload: "/greet",
    socketUrl: %s,
    socketPath: "/socket.io/",
    title: "Questions about cancer spread",
    params: {storage: "session"}
  }, null);
</script>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    """Serves the page and rasa-webchat's own UMD bundle (lib/index.js), nothing else."""

    def __init__(self, *args, rasa_url: str, **kwargs):
        self.rasa_url = rasa_url
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path in ("/", "/index.html"):
            self._send(PAGE.replace("%s", json.dumps(self.rasa_url)).encode(), "text/html; charset=utf-8")
        elif self.path == "/favicon.ico":
            self._send(b"", "image/x-icon")
        elif self.path == "/rasa-webchat.js":
            self._send((WEBCHAT / "lib" / "index.js").read_bytes(), "text/javascript; charset=utf-8")
        else:
            self.send_error(404)

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def webchat_page(server) -> Iterator[str]:
    """URL of a plain page that embeds rasa-webchat pointed at the test server's Rasa."""
    manifest = WEBCHAT / "package.json"
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.is_file() else None
    if version != "1.0.1":
        pytest.fail(f"rasa-webchat 1.0.1 is not installed (found {version}); run: npm ci --no-audit --no-fund")
    # served from the origin the test server allows for a clinic's own page
    httpd = ThreadingHTTPServer(("127.0.0.1", server.third_party_port),
                                partial(_Handler, rasa_url=server.url))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_rasa_webchat_chats_over_websocket(page, webchat_page: str) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    sockets, received = [], []

    def watch(ws) -> None:
        sockets.append(ws)
        ws.on("framereceived", lambda payload: received.append(str(payload)))

    page.on("websocket", watch)
    failed = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))

    page.goto(webchat_page)
    launcher = page.locator(".rw-launcher")
    expect(launcher).to_be_visible(timeout=REPLY_MS)  # it renders (rasa-webchat shows it once connected)
    launcher.click()
    responses = page.locator(".rw-message .rw-response")
    expect(responses.filter(has_text=NOTICE)).to_have_count(1, timeout=REPLY_MS)  # the greeting

    page.locator(".rw-new-message").fill("what is metastasis")
    page.keyboard.press("Enter")
    expect(page.locator(".rw-message .rw-client").last).to_contain_text("what is metastasis")
    expect(responses.filter(has_text=NOTICE)).to_have_count(2, timeout=REPLY_MS)
    page.wait_for_timeout(1000)  # let any late (stray) message arrive

    # The answer: its text, then the sources as links, and the last bubble ends with the notice.
    texts = [t.strip() for t in responses.all_inner_texts()]
    answer = texts[texts.index(next(t for t in texts if t.endswith(NOTICE))) + 1:]
    assert answer and answer[-1].endswith(NOTICE), texts
    joined = "\n".join(answer)
    assert re.search("spread", joined, re.I) and "Sources" in joined, answer
    links = responses.locator("a[href^='http']")
    assert links.count() >= 1
    # No stray bubble: every bubble has real text (our meta message would be "undefined" or empty).
    assert all(t and t not in ("undefined", "null", "[object Object]") for t in texts), texts
    assert not any("meta" in t and "urgency" in t for t in texts)

    # It talked over WebSocket (socket.io's upgrade), and nothing failed on the way.
    upgraded = [ws for ws in sockets if "transport=websocket" in ws.url]
    assert upgraded, [ws.url for ws in sockets]
    assert not upgraded[-1].is_closed()
    assert "3probe" in received and any("bot_uttered" in f and "Sources" in f for f in received)
    # Our meta message is opt-in, so rasa-webchat is never sent it.
    assert not [f for f in received if '"meta"' in f], received
    # (Its stylesheet asks for a web font from the internet, which this machine cannot reach.)
    bad = [line for line in console if re.search(r"websocket|invalid frame|socket\.io", line, re.I)
           or (line.startswith("error") and "ERR_NAME_NOT_RESOLVED" not in line)]
    assert not bad, bad
    assert not [f for f in failed if "127.0.0.1" in f], failed


def test_rasa_webchat_answers_red_flags_with_the_notice(page, webchat_page: str) -> None:
    """An urgent reply reaches a client that knows nothing of our meta message, notice included."""
    page.goto(webchat_page)
    page.locator(".rw-launcher").click()
    responses = page.locator(".rw-message .rw-response")
    expect(responses.filter(has_text=NOTICE)).to_have_count(1, timeout=REPLY_MS)
    page.locator(".rw-new-message").fill("my legs went numb and I can't walk, my back is killing me")
    page.keyboard.press("Enter")
    expect(responses.filter(has_text=NOTICE)).to_have_count(2, timeout=REPLY_MS)
    texts = [t.strip() for t in responses.all_inner_texts()]
    assert all(t and t != "undefined" for t in texts), texts
    assert re.search(r"\b(911|emergency)\b", " ".join(texts), re.I), texts
