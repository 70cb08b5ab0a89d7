"""The website chat widget, in Chromium, against the real Rasa and action servers."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.contract import NOTICE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
EMERGENCY = "my legs went numb and I can't walk, my back is killing me"
CRISIS = "i keep thinking everyone would be better off without me"  # data/safety/messages/emergency.tsv
SHADOW = "document.querySelector('#metastasis-chat-widget').shadowRoot"
XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"


def save_screenshot(page, name: str) -> None:
    """Only on request (UPDATE_SCREENSHOTS=1), so a test run leaves docs/ untouched."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def saved_turns(page) -> list:
    return page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).turns")


def colour(locator, prop: str) -> tuple:
    """A computed colour as (r, g, b), 0-255."""
    value = locator.evaluate(f"e => getComputedStyle(e).{prop}")
    parts = re.findall(r"[\d.]+", value)
    assert len(parts) == 3 or (len(parts) == 4 and float(parts[3]) == 1), value
    return tuple(round(float(p)) for p in parts[:3])


def background(locator) -> tuple:
    """The opaque colour behind an element: its own background, else its nearest ancestor's
    (through the shadow root), else white."""
    value = locator.evaluate(r"""e => {
        for (let n = e; n; n = n.parentElement || (n.getRootNode() && n.getRootNode().host)) {
            const c = getComputedStyle(n).backgroundColor;
            if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) return c;
        }
        return 'rgb(255, 255, 255)';
    }""")
    return tuple(round(float(p)) for p in re.findall(r"[\d.]+", value)[:3])


def contrast(a: tuple, b: tuple) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    def lum(rgb: tuple) -> float:
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def find_quick_replies(chat):
    """Quick replies of the latest reply; ask for them if the greeting offered none."""
    buttons = chat.page.locator(".quick-replies button")
    for question in ("what is metastasis", "cancer spread"):
        if buttons.count():
            break
        chat.ask(question)
    assert buttons.count(), "no reply offered quick-reply buttons"
    return buttons


def test_answer_shows_text_sources_and_quiet_notice(chat):
    chat.goto().open().wait_greeting()
    greeting = chat.last_reply()
    expect(greeting.locator(".notice")).to_have_text(NOTICE)

    chat.ask("what is metastasis")
    reply = chat.last_reply()
    expect(chat.user_turns.last).to_contain_text("what is metastasis")
    expect(reply.locator(".body")).to_contain_text(re.compile("spread", re.I))
    expect(reply.locator(".body")).to_contain_text("Sources")
    links = reply.locator(".body a")
    assert links.count() >= 1
    for i in range(links.count()):
        link = links.nth(i)
        assert re.match(r"https?://", link.get_attribute("href"))
        assert link.get_attribute("target") == "_blank"
        assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    # Markdown markers are rendered, never shown raw.
    assert "**" not in reply.locator(".body").inner_text()
    assert "](" not in reply.locator(".body").inner_text()
    # The notice is split off the answer, shown once, in a quieter style.
    notice = reply.locator(".notice")
    expect(notice).to_have_text(NOTICE)
    assert NOTICE not in reply.locator(".body").inner_text()
    size = lambda loc: float(loc.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))  # noqa: E731
    assert size(notice) < size(reply.locator(".body p").first)
    # Screen readers hear the whole reply once, from the live region.
    live = chat.page.locator("#metastasis-chat-widget [aria-live=polite]")
    expect(live).to_contain_text(re.compile(r"^The assistant said: .*spread", re.I))


def test_quick_reply_sends_payload_and_shows_title(chat):
    chat.goto().open().wait_greeting()
    buttons = find_quick_replies(chat)
    owner = chat.bot_turns.nth(chat.bot_turns.count() - 1)  # the reply that offered them
    expect(owner.locator(".quick-replies button")).to_have_count(buttons.count())
    title = buttons.first.inner_text().strip()
    before = chat.notices.count()
    buttons.first.click()
    expect(chat.user_turns.last.locator(".bubble")).to_have_text(f"You said: {title}")
    # The used buttons are gone at once, before the answer comes.
    expect(owner.locator(".quick-replies")).to_have_count(0)
    chat.wait_replies(before + 1)
    assert chat.last_reply().locator(".body").inner_text().strip()
    # ... and they stay gone: only the newest reply may offer buttons.
    expect(owner.locator(".quick-replies")).to_have_count(0)
    assert chat.page.locator(".turn.bot:not(:last-child) .quick-replies").count() == 0
    # Focus stays in the chat for keyboard users.
    assert chat.active()["id"] == "mc-input"


def test_reload_keeps_session_and_history(chat, page):
    chat.goto().open().wait_greeting()
    chat.ask("what is metastasis")
    texts = page.locator(".turn .bubble").all_inner_texts()
    session = page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).sessionId")

    page.reload()
    expect(chat.panel).to_be_visible()  # it was open, so it reopens
    expect(page.locator(".turn .bubble")).to_have_count(len(texts))
    assert page.locator(".turn .bubble").all_inner_texts() == texts
    assert page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).sessionId") == session
    # The conversation goes on in the same session, without a second greeting.
    chat.ask("how does cancer spread")
    assert chat.notices.count() == 3


def test_keyboard_only(chat, page):
    chat.goto()
    for _ in range(40):  # Tab through the page until the launcher has focus
        page.keyboard.press("Tab")
        if "launcher" in chat.active().get("cls", ""):
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    assert chat.active()["outline"] != "none", "no visible focus on the launcher"

    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    assert chat.active()["id"] == "mc-input"
    chat.wait_greeting()
    page.keyboard.type("what is metastasis")
    page.keyboard.press("Enter")
    chat.wait_replies(2)

    # Quick replies, then the answer's links, are reachable backwards from the input:
    # Shift+Tab lands on the last suggested reply, then each one before it, then the last link.
    reply = chat.last_reply()
    titles = [t.strip() for t in reply.locator(".quick-replies button").all_inner_texts()]
    links = reply.locator(".body a")
    assert titles and links.count(), "the answer offers no buttons or no links to reach"
    for title in reversed(titles):
        page.keyboard.press("Shift+Tab")
        assert (chat.active()["tag"], chat.active()["text"]) == ("button", title), chat.active()
    page.keyboard.press("Shift+Tab")
    assert links.last.evaluate("e => e.getRootNode().activeElement === e"), chat.active()

    # Escape closes and gives focus back to the launcher; Enter reopens.
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    assert "launcher" in chat.active()["cls"]
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    assert chat.active()["id"] == "mc-input"

    # Start over (after Send), confirmed with Enter; Escape cancels.
    for _ in range(5):
        page.keyboard.press("Tab")
        if chat.active()["text"] == "Start over":
            break
    else:
        pytest.fail("Start over is not reachable with the keyboard")
    page.keyboard.press("Enter")
    assert chat.active()["text"] == "Yes, start over"
    page.keyboard.press("Escape")
    assert chat.active()["text"] == "Start over"
    expect(chat.panel).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert chat.active()["id"] == "mc-input"
    expect(chat.user_turns).to_have_count(0)
    chat.wait_replies(1)  # a fresh greeting in a new session


def test_start_over_uses_a_new_session(chat, page):
    chat.goto().open().wait_greeting()
    chat.ask("what is metastasis")
    old = page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).sessionId")
    page.get_by_role("button", name="Start over", exact=True).click()
    page.get_by_role("button", name="Yes, start over").click()
    chat.wait_replies(1)
    expect(chat.bot_turns).to_have_count(1)
    new = page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).sessionId")
    assert new != old


def test_no_serious_accessibility_violations(chat, page, axe):
    chat.goto()
    closed = axe(page)
    chat.open().wait_greeting()
    opened = axe(page)
    chat.ask("what is metastasis")
    chat.ask(EMERGENCY)
    with_messages = axe(page)
    serious = [
        (when, v)
        for when, found in (("closed", closed), ("open", opened), ("with messages", with_messages))
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious


def test_html_in_a_message_is_shown_as_text(chat, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    chat.goto().open().wait_greeting()
    chat.ask(XSS)
    expect(chat.user_turns.last.locator(".bubble")).to_have_text(f"You said: {XSS}")
    # No wait needed: the reply (a server round trip) came after the message was shown,
    # and with no <img> or <script> in the document nothing is left to fire later.
    assert dialogs == []
    assert page.locator("#metastasis-chat-widget img").count() == 0
    assert page.locator("#metastasis-chat-widget script").count() == 0
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0


def test_emergency_reply_is_unmistakably_urgent(chat, page):
    chat.goto().open().wait_greeting()
    chat.ask(EMERGENCY)
    urgent = page.locator(".turn.bot.urgent")
    expect(urgent).to_have_count(1)
    expect(urgent).to_have_class(re.compile(r"\bemergency\b"))
    expect(urgent.locator(".urgent-label")).to_have_text("Urgent")
    expect(urgent.locator("[role=alert]")).to_have_count(1)
    # The urgent border is a warning colour that stands out (WCAG 1.4.11: 3:1 against what
    # is behind it) and differs from a calm reply's; the label text is readable (4.5:1).
    bubble, calm = urgent.locator(".bubble"), page.locator(".turn.bot:not(.urgent) .bubble").first
    border = colour(bubble, "borderTopColor")
    red, green, blue = border
    assert red > max(green, blue) * 1.5, f"urgent border {border} is not a warning red"
    assert border != colour(calm, "borderTopColor")
    assert contrast(border, background(bubble)) >= 3.0
    assert contrast(border, background(urgent)) >= 3.0
    label = urgent.locator(".urgent-label")
    assert contrast(colour(label, "color"), background(label)) >= 4.5
    # The urgent message comes first in the reply to this message.
    first_after = page.locator(".turn.user").last.locator("xpath=following-sibling::li[1]")
    expect(first_after).to_have_class(re.compile(r"\burgent\b"))
    save_screenshot(page, "urgent")


def test_offline_message_is_queued_then_answered(chat, page, context):
    chat.goto().open().wait_greeting()
    context.set_offline(True)
    expect(chat.status).to_have_text(re.compile("You're offline — we'll send your message when you're back"))
    chat.input.fill("what is metastasis")
    chat.input.press("Enter")
    expect(chat.user_turns.last).to_contain_text("Waiting to send")
    # Held back, not sent: it is saved as queued and no reply is on its way.
    assert saved_turns(page)[-1] == {"role": "user", "text": "what is metastasis",
                                     "payload": "what is metastasis", "queued": True}
    expect(page.locator(".typing")).to_be_hidden()
    assert chat.notices.count() == 1

    context.set_offline(False)
    chat.wait_replies(2)
    expect(chat.user_turns.last).not_to_contain_text("Waiting to send")
    expect(chat.status).to_have_text("")
    expect(chat.last_reply().locator(".body")).to_contain_text(re.compile("spread", re.I))


@pytest.mark.parametrize(
    "name, width, height",
    [("desktop", 1280, 800), ("mobile", 375, 740), ("mobile-320", 320, 640), ("zoom-200", 640, 400)],
)
def test_layout_and_screenshots(browser, make_chat, name, width, height):
    """Fits small screens and 200% zoom (= half the CSS viewport); UPDATE_SCREENSHOTS=1 saves the docs images."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    ctx.set_default_timeout(30_000)
    try:
        chat = make_chat(ctx.new_page()).goto().open().wait_greeting()
        chat.ask("what is metastasis")
        page = chat.page
        box = chat.panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5
        send, close = page.get_by_role("button", name="Send", exact=True), page.get_by_role("button", name="Close chat")
        for control in (chat.input, send, close):
            expect(control).to_be_in_viewport()
        overflow = page.locator(".transcript").evaluate("e => e.scrollWidth - e.clientWidth")
        assert overflow <= 0, "messages overflow sideways"
        if name == "desktop":  # the docs image shows the answer's end: sources, notice, buttons
            page.locator(".transcript").evaluate("e => e.scrollTop = e.scrollHeight")
        if name != "zoom-200":
            save_screenshot(page, name)
    finally:
        ctx.close()


def test_full_screen_panel_keeps_focus_inside(browser, make_chat):
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        chat = make_chat(ctx.new_page()).goto().open()
        page = chat.page
        expect(chat.panel).to_have_attribute("aria-modal", "true")
        page.get_by_role("button", name="Start over", exact=True).focus()
        page.keyboard.press("Tab")
        assert chat.active()["label"] == "Close chat"
        page.keyboard.press("Shift+Tab")
        assert chat.active()["text"] == "Start over"
    finally:
        ctx.close()


def test_unreachable_server_keeps_the_message(browser):
    from bot.web.serve import make_server

    web = make_server("127.0.0.1", 0, "http://127.0.0.1:9")  # nothing listens on port 9
    threading.Thread(target=web.serve_forever, daemon=True).start()
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"http://127.0.0.1:{web.server_address[1]}/")
        page.get_by_role("button", name=re.compile("Ask about cancer spread")).click()
        page.get_by_role("textbox", name="Your question").fill("what is metastasis")
        page.keyboard.press("Enter")
        expect(page.locator(".turn.user")).to_contain_text("Waiting to send")
        expect(page.locator("#metastasis-chat-widget .status")).to_contain_text(
            "Can't reach the assistant right now", timeout=15_000
        )
        queued = page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).turns")
        question = "what is metastasis"
        assert queued == [{"role": "user", "text": question, "payload": question, "queued": True}]
    finally:
        ctx.close()
        web.shutdown()
        web.server_close()


MARKDOWN_CASES = [
    (
        "**Bold** and [NCI](https://www.cancer.gov/a_(b))",
        '<p><strong>Bold</strong> and <a href="https://www.cancer.gov/a_(b)" target="_blank" '
        'rel="noopener noreferrer">NCI<span class="sr-only"> (opens in a new tab)</span></a></p>',
    ),
    ("[click](javascript:alert(1)) [x](data:text/html,hi)", "<p>click x</p>"),
    ("<img src=x onerror=alert(1)> <b>hi</b>", "<p>&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;hi&lt;/b&gt;</p>"),
    (
        "Intro:\n- one\n- **two**\n\nEnd\nline",
        "<p>Intro:</p><ul><li>one</li><li><strong>two</strong></li></ul><p>End<br>line</p>",
    ),
]


def test_markdown_subset_builds_only_safe_nodes(browser):
    """The renderer itself, fed strings the vetted content never contains."""
    bundle = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "esbuild"), str(ROOT / "bot/web/src/markdown.js"),
         "--bundle", "--format=iife", "--global-name=md"],
        capture_output=True, text=True, check=True,
    ).stdout
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><html lang='en'><title>t</title></html>")
        page.add_script_tag(content=bundle)
        for text, expected in MARKDOWN_CASES:
            html = page.evaluate(
                "t => { const d = document.createElement('div'); d.append(md.renderMarkdown(t)); return d.innerHTML; }",
                text,
            )
            assert html == expected, text
    finally:
        page.close()


# ---- the notice: once per reply, whatever the path -----------------------------------------


def assert_one_notice_per_reply(chat) -> None:
    """Every bot turn shows the contract's notice exactly once: one visible notice element,
    the wording nowhere else in the turn, and no paragraph turned into a turn of its own."""
    turns = chat.bot_turns
    assert turns.count() == chat.user_turns.count() + 1  # the greeting, then one per message
    for i in range(turns.count()):
        turn = turns.nth(i)
        expect(turn.locator(".notice")).to_have_count(1)
        expect(turn.locator(".notice")).to_have_text(NOTICE)
        assert turn.inner_text().count(NOTICE) == 1, f"reply {i}: {turn.inner_text()[-300:]!r}"


def test_each_reply_shows_the_notice_exactly_once(chat, page):
    chat.goto().open().wait_greeting()
    chat.ask("what is metastasis")
    split = saved_turns(page)[-1]
    assert split["role"] == "bot" and len(split["parts"]) >= 2, "the answer came as one paragraph"
    find_quick_replies(chat).first.click()
    chat.wait_replies(3)
    chat.ask(EMERGENCY)
    assert_one_notice_per_reply(chat)


def test_a_very_long_message_gets_the_preface_and_the_notice(chat, page):
    """Over 10,000 characters through the widget's socket.io connection. The input caps
    typing at its maxlength, so the test lifts the cap the way an old or altered page could."""
    chat.goto().open().wait_greeting()
    cap = int(chat.input.get_attribute("maxlength"))
    chat.input.fill("x" * (cap + 50))
    assert len(chat.input.input_value()) == cap
    page.evaluate(f"() => {SHADOW}.querySelector('#mc-input').removeAttribute('maxlength')")
    message = "what is metastasis? " + "I am so worried about my mum. " * 400
    assert len(message) > 10_000
    chat.input.fill(message)
    chat.input.press("Enter")
    chat.wait_replies(2)
    reply = chat.last_reply()
    expect(reply.locator(".body")).to_contain_text(re.compile(r"^\s*Your message was very long"))
    assert_one_notice_per_reply(chat)


# ---- urgent replies -------------------------------------------------------------------


def test_crisis_reply_has_the_crisis_style(chat, page):
    chat.goto().open().wait_greeting()
    chat.ask(CRISIS)
    urgent = page.locator(".turn.bot.urgent")
    expect(urgent).to_have_count(1)
    expect(urgent).to_have_class(re.compile(r"\bcrisis\b"))
    expect(urgent).not_to_have_class(re.compile(r"\bemergency\b"))
    expect(urgent.locator(".urgent-label")).to_have_text("Urgent")
    expect(urgent.locator("[role=alert]")).to_have_count(1)
    calm = page.locator(".turn.bot:not(.urgent) .bubble").first
    assert colour(urgent.locator(".bubble"), "borderTopColor") != colour(calm, "borderTopColor")


SEND_THEN_CLOSE = f"""text => {{
    const root = {SHADOW};
    root.querySelector('#mc-input').value = text;
    root.querySelector('form').requestSubmit();
    window.MetastasisChatWidget.close();  // in the same task: the reply cannot be here yet
    return root.querySelector('.panel').hidden;
}}"""


def test_an_urgent_reply_opens_the_closed_chat(chat, page):
    chat.goto().open().wait_greeting()
    badge = page.locator(".launcher .badge")
    # A calm reply to a closed chat only lights the badge ...
    assert page.evaluate(SEND_THEN_CLOSE, "what is metastasis") is True
    expect(badge).to_be_visible()
    expect(chat.panel).to_be_hidden()
    assert chat.notices.count() == 2
    # ... an urgent one opens the chat by itself.
    assert page.evaluate(SEND_THEN_CLOSE, EMERGENCY) is True
    expect(chat.panel).to_be_visible()
    expect(page.locator(".turn.bot.urgent")).to_have_count(1)
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")


# ---- on a clinic's own page, and across a reload --------------------------------------------


CLINIC_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head>
<body><main><h1>Our clinic</h1></main>
<script src="{widget}" data-server="{rasa}" defer></script>
</body></html>"""


@pytest.fixture
def clinic_page(server):
    """A page on another origin (one the test server allows), embedding our widget.js from
    the widget page's server, with data-server pointing at Rasa."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = CLINIC_PAGE.format(widget=f"{server.web_url.rstrip('/')}/dist/widget.js", rasa=server.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path != "/":
                return self.send_error(404)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", server.third_party_port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.third_party_port}/"
    httpd.shutdown()
    httpd.server_close()


def test_embedded_on_a_third_party_page_with_data_server(page, server, clinic_page):
    from urllib.parse import urlsplit

    origin = lambda url: "{0.scheme}://{0.netloc}".format(urlsplit(url))  # noqa: E731
    assert len({origin(clinic_page), origin(server.web_url), origin(server.url)}) == 3
    sockets: list[str] = []
    page.on("request", lambda r: "/socket.io/" in r.url and sockets.append(r.url))
    page.on("websocket", lambda ws: sockets.append(ws.url))

    from tests.browser.conftest import Chat

    chat = Chat(page, clinic_page).goto().open().wait_greeting()
    chat.ask("what is metastasis")
    expect(chat.last_reply().locator(".body")).to_contain_text(re.compile("spread", re.I))
    expect(chat.last_reply().locator(".notice")).to_have_text(NOTICE)
    rasa_host = urlsplit(server.url).netloc
    assert sockets and all(urlsplit(u).netloc == rasa_host for u in sockets), sockets


def test_a_message_queued_offline_is_sent_after_a_reload(chat, page, context, server):
    """offline -> type -> the page is reloaded -> the connection is back: the queued message
    is answered, in the same session."""
    chat.goto().open().wait_greeting()
    session = page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).sessionId")
    context.set_offline(True)
    expect(chat.status).to_contain_text("You're offline")
    chat.input.fill("what is metastasis")
    chat.input.press("Enter")
    expect(chat.user_turns.last).to_contain_text("Waiting to send")
    assert saved_turns(page)[-1]["queued"] is True  # stored as queued before the page goes

    # The page goes away while offline (its socket with it) and comes back from the page
    # server while Rasa still cannot be reached (socket.io always starts with polling, so
    # blocking polling blocks the connection; the page itself loads normally).
    page.goto("about:blank")
    rasa_port = server.url.rstrip("/").rsplit(":", 1)[1]
    blocked = re.compile(rf"^https?://(127\.0\.0\.1|localhost):{rasa_port}/socket\.io/")
    context.route(blocked, lambda route: route.abort())
    context.set_offline(False)
    # Routing does not cover WebSockets: record any, so a failure below says how it got through.
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    # And any request to Rasa that got an answer (none should while it is blocked).
    answered: list[str] = []
    page.on("requestfinished", lambda r: answered.append(r.url) if f":{rasa_port}/" in r.url else None)
    chat.goto()
    expect(chat.panel).to_be_visible()  # it was open, so it reopens
    try:
        expect(chat.user_turns.last).to_contain_text("Waiting to send")
    except AssertionError as error:
        raise AssertionError(
            f"{error}\nWebSockets opened after the reload: {sockets}\nAnswered requests: {answered}"
        ) from error
    expect(chat.status).to_contain_text("Can't reach the assistant right now")
    assert saved_turns(page)[-1]["queued"] is True
    assert not sockets, sockets
    assert chat.notices.count() == 1

    context.unroute(blocked)  # the connection is back: socket.io reconnects by itself
    chat.wait_replies(2)
    expect(chat.user_turns.last).not_to_contain_text("Waiting to send")
    expect(chat.last_reply().locator(".body")).to_contain_text(re.compile("spread", re.I))
    assert saved_turns(page)[-2]["queued"] is False
    assert page.evaluate("() => JSON.parse(localStorage.getItem('metastasis-chat')).sessionId") == session
    assert_one_notice_per_reply(chat)
