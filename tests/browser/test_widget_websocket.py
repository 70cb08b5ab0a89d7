"""Our widget on WebSocket: socket.io's normal upgrade, and what happens when the WebSocket drops.

Playwright watches the page's WebSockets and their frames. To drop one, a script in the page
wraps the browser's WebSocket (before the widget loads): `__sockets.drop()` closes the open
ones and sends every later one to a closed port, like a proxy that stops passing WebSocket.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

POLLING = re.compile(r"/socket\.io/.*transport=polling")
WRAP_WEBSOCKET = """(() => {
  const Native = window.WebSocket;
  const open = [];
  let blocked = false;
  class Watched extends Native {
    constructor(url, protocols) {
      super(blocked ? String(url).replace(/\\/\\/[^/]+/, "//127.0.0.1:9") : url, protocols);
      open.push(this);
    }
  }
  window.WebSocket = Watched;
  window.__sockets = { drop() { blocked = true; open.splice(0).forEach((s) => s.close()); } };
})();"""


class Frames:
    """Text frames of the page's socket.io WebSockets, as ("up" | "down", text)."""

    def __init__(self, page) -> None:
        self.frames: list[tuple[str, str]] = []
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        if "/socket.io/" in ws.url:
            ws.on("framesent", lambda payload: self.frames.append(("up", str(payload))))
            ws.on("framereceived", lambda payload: self.frames.append(("down", str(payload))))

    def upgraded(self) -> bool:
        """engine.io's upgrade finished: the server answered the probe, the client sent 'upgrade'."""
        return ("down", "3probe") in self.frames and ("up", "5") in self.frames


def wait_upgraded(page, frames: Frames, seconds: float = 10) -> None:
    for _ in range(int(seconds * 4)):  # Playwright delivers frame events while the page waits
        if frames.upgraded():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"no WebSocket upgrade; frames: {frames.frames[:10]}")


@pytest.fixture
def frames(page) -> Frames:
    page.add_init_script(WRAP_WEBSOCKET)
    return Frames(page)


def test_widget_upgrades_to_websocket_and_chats_over_it(chat, page, frames) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    chat.goto().open().wait_greeting()
    wait_upgraded(page, frames)
    chat.ask("what is metastasis")
    sent = [text for way, text in frames.frames if way == "up" and "user_uttered" in text]
    assert any("what is metastasis" in text and '"reply_meta":true' in text for text in sent), sent
    assert any(way == "down" and "bot_uttered" in text for way, text in frames.frames)
    assert not [line for line in console if re.search("websocket|content security", line, re.I)], console


def test_dropped_websocket_falls_back_to_polling_and_sends_the_queued_message(chat, page, frames) -> None:
    chat.goto().open().wait_greeting()
    wait_upgraded(page, frames)

    # The WebSocket drops and no new one gets through; polling is cut off for a moment too,
    # so the message typed now has to wait in the queue.
    page.route(POLLING, lambda route: route.abort())
    page.evaluate("() => window.__sockets.drop()")
    expect(chat.status).to_contain_text("Can't reach the assistant right now")
    chat.input.fill("what is metastasis")
    chat.input.press("Enter")
    expect(chat.user_turns.last).to_contain_text("Waiting to send")

    # Polling works again, WebSocket still does not: the widget reconnects over polling,
    # in the same session, and the queued message is answered.
    page.unroute(POLLING)
    chat.wait_replies(2)
    expect(chat.user_turns.last).not_to_contain_text("Waiting to send")
    expect(chat.status).to_have_text("")
    expect(chat.last_reply().locator(".body")).to_contain_text(re.compile("spread", re.I))
    # The conversation goes on over polling, in the same session.
    chat.ask("how does cancer spread")
    assert chat.notices.count() == 3
    assert page.locator(".turn.bot").count() == 3
