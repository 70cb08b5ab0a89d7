"""The front door (issue 12): what reaches the real Rasa server from outside, and how it
is answered. Every request here goes over HTTP or socket.io to the session's stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

from bot.channels.guard import MAX_BODY_BYTES, MAX_SENDER_CHARS
from bot.messages import LONG_MESSAGE
from bot.notice import NOTICE
from bot.text import MAX_MESSAGE_CHARS
from tests.helpers import ends_with_notice, last_text, new_sender

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[1]


def webhook(server: Any) -> str:
    return f"{server.url}/webhooks/rest/webhook"


def post_json(server: Any, payload: Any) -> requests.Response:
    return requests.post(webhook(server), json=payload, timeout=60)


@pytest.mark.parametrize("payload, field", [
    ({"sender": "s", "message": 12345}, "message"),
    ({"sender": "s", "message": ["a", "b"]}, "message"),
    ({"sender": "s", "message": None}, "message"),
    ({"sender": "s", "message": {"text": "hi"}}, "message"),
    ({"sender": "s"}, "message"),
    ({"sender": {"x": 1}, "message": "hi"}, "sender"),
    ({"sender": 12, "message": "hi"}, "sender"),
    ({"sender": "", "message": "hi"}, "sender"),
    ({"sender": "x" * (MAX_SENDER_CHARS + 1), "message": "hi"}, "sender"),
    ({"sender": "a\nb", "message": "hi"}, "sender"),
    ({"message": "hi"}, "sender"),
    ({"sender": "s", "message": "hi", "metadata": [1]}, "metadata"),
    (["sender", "message"], "body"),
    ("just a string", "body"),
])
def test_bad_fields_get_a_clean_400_naming_the_field(server: Any, payload: Any, field: str) -> None:
    response = post_json(server, payload)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field in response.json()["error"] or field == "body"


@pytest.mark.parametrize("body", [b'{"sender": "s", "message": "hi', b"", b"\xff\xfe\x00garbage",
                                  b"null", b"[]"])
def test_broken_bodies_get_a_clean_400(server: Any, body: bytes) -> None:
    response = requests.post(webhook(server), data=body,
                             headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_oversized_body_is_refused_before_it_is_read(server: Any) -> None:
    body = b'{"sender": "s", "message": "' + b"a" * (MAX_BODY_BYTES + 10) + b'"}'
    started = time.monotonic()
    response = requests.post(webhook(server), data=body, timeout=60)
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    assert time.monotonic() - started < 10


def test_a_5mb_message_is_cut_and_answered_with_the_preface_and_notice(server: Any) -> None:
    text = "my mum has breast cancer and her back hurts. " * 120_000  # about 5.4 MB
    response = post_json(server, {"sender": new_sender("long"), "message": text})
    assert response.status_code == 200
    reply = last_text(response.json())
    assert reply.startswith(LONG_MESSAGE)
    assert reply.rstrip().endswith(NOTICE)


def test_a_message_just_under_the_limit_has_no_preface(server: Any) -> None:
    text = ("what is metastasis " * 600)[:MAX_MESSAGE_CHARS]
    messages = post_json(server, {"sender": new_sender("limit"), "message": text}).json()
    assert not last_text(messages).startswith(LONG_MESSAGE)
    assert ends_with_notice(messages)


@pytest.mark.parametrize("raw", [
    '{"sender": "SENDER", "message": "bone pain \\ud800 what does it mean"}',
    '{"sender": "SENDER", "message": "\\udfff"}',
    '{"sender": "SENDER", "message": "nul \\u0000 char and metastasis"}',
    '{"sender": "SENDER", "message": ""}',
])
def test_odd_but_valid_text_is_answered_with_the_notice(server: Any, raw: str) -> None:
    body = raw.replace("SENDER", new_sender("odd")).encode()
    response = requests.post(webhook(server), data=body, timeout=60)
    assert response.status_code == 200
    assert ends_with_notice(response.json())


def test_utf16_json_is_read(server: Any) -> None:
    body = json.dumps({"sender": new_sender("u16"), "message": "what is metastasis"}).encode("utf-16")
    response = requests.post(webhook(server), data=body, timeout=60)
    assert response.status_code == 200
    assert ends_with_notice(response.json())


def test_input_channel_in_the_body_is_ignored(server: Any) -> None:
    messages = post_json(server, {"sender": new_sender("chan"), "message": "what is metastasis",
                                  "input_channel": "socketio"}).json()
    assert all("custom" not in m for m in messages)  # the widget-only meta message
    assert ends_with_notice(messages)


def _cors(server: Any, origin: str) -> requests.Response:
    return requests.options(webhook(server), timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})


def test_cors_allows_the_widget_page_and_not_other_sites(server: Any) -> None:
    page = server.web_url  # http://127.0.0.1:<port>, the widget's own origin
    assert _cors(server, page).headers.get("Access-Control-Allow-Origin") == page
    assert "Access-Control-Allow-Origin" not in _cors(server, "https://evil.example").headers


def _listeners(port: int) -> List[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_action_server_and_page_listen_on_loopback_only(server: Any) -> None:
    for url in (server.actions_url, server.web_url):
        port = int(url.rsplit(":", 1)[1])
        addresses = _listeners(port)
        assert addresses, f"nothing listens on {port}"
        assert set(addresses) <= {"0100007F", "00000000000000000000000001000000"}, addresses


@pytest.mark.parametrize("headers", [{}, {"X-Bot-Action-Secret": "wrong"}])
def test_action_server_refuses_calls_without_the_secret(server: Any,
                                                        headers: Dict[str, str]) -> None:
    call = {"next_action": "action_respond", "sender_id": "x", "tracker": {}, "domain": {}}
    response = requests.post(f"{server.actions_url}/webhook", json=call, headers=headers,
                             timeout=30)
    assert response.status_code == 403
    assert requests.get(f"{server.actions_url}/health", timeout=30).status_code == 200


def test_action_server_will_not_listen_off_loopback_without_a_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_ACTION_SECRET"}
    done = subprocess.run([sys.executable, "-m", "bot.action_server", "--host", "0.0.0.0",
                           "--port", "1"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "BOT_ACTION_SECRET" in done.stderr


# --- socket.io (the widget's channel) -------------------------------------------------

def _socket(server: Any, origin: str | None = None):  # -> socketio.Client
    import socketio

    client = socketio.Client(reconnection=False)
    events: Dict[str, List[Any]] = {"bot_uttered": [], "bad_request": [], "session_confirm": []}
    for name in events:
        client.on(name, lambda data, name=name: events[name].append(data))
    headers = {"Origin": origin} if origin else {}
    client.connect(server.url, transports=["polling"], headers=headers, wait_timeout=30)
    return client, events


def _wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_socketio_answers_checked_messages_and_refuses_bad_ones(server: Any) -> None:
    client, events = _socket(server, origin=server.web_url)
    try:
        session = new_sender("sio")
        client.emit("session_request", {"session_id": session})
        assert _wait_for(lambda: events["session_confirm"])
        client.emit("user_uttered", {"session_id": session, "message": 12345})
        assert _wait_for(lambda: events["bad_request"])
        assert events["bad_request"][0]["field"] == "message"
        client.emit("user_uttered", {"session_id": {"x": 1}, "message": "hi"})
        assert _wait_for(lambda: len(events["bad_request"]) == 2)
        assert events["bad_request"][1]["field"] == "session_id"
        assert not events["bot_uttered"]
        client.emit("user_uttered", {"session_id": session, "message": "what is metastasis"})
        assert _wait_for(lambda: any(
            (e.get("text") or "").endswith(NOTICE) for e in events["bot_uttered"]
            if isinstance(e, dict)))
    finally:
        client.disconnect()


def test_socketio_refuses_other_origins(server: Any) -> None:
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(server, origin="https://evil.example")


@pytest.mark.parametrize("command", ["/restart", "/session_start", "/back"])
def test_rasa_commands_do_not_bypass_the_action(server: Any, command: str) -> None:
    """Rasa's built-in commands would run Rasa's own actions: no answer, no notice."""
    messages = post_json(server, {"sender": new_sender("cmd"), "message": command}).json()
    assert ends_with_notice(messages)
    assert "went wrong" not in last_text(messages)
