"""The website chat widget, in Chromium, against the real Rasa and action servers."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
NOTICE = (
    "This information is educational only and is not medical advice. "
    "Please talk with your care team about your own situation."
)
EMERGENCY = "my legs went numb and I can't walk, my back is killing me"
XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"


def save_screenshot(page, name: str) -> None:
    """Only on request (UPDATE_SCREENSHOTS=1), so a test run leaves docs/ untouched."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


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
    title = buttons.first.inner_text().strip()
    before = chat.notices.count()
    buttons.first.click()
    expect(chat.user_turns.last.locator(".bubble")).to_have_text(f"You said: {title}")
    chat.wait_replies(before + 1)
    assert chat.last_reply().locator(".body").inner_text().strip()
    # Focus stays in the chat for keyboard users; the used buttons are gone.
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

    # Links and quick replies in the transcript are reachable backwards from the input.
    page.keyboard.press("Shift+Tab")
    assert chat.active()["tag"] in ("a", "button", "div"), chat.active()

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
    page.wait_for_timeout(500)
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
    border = urgent.locator(".bubble").evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(179, 38, 30)"
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
    page.wait_for_timeout(1500)
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
