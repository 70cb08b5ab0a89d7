"""No patient text in any log (issue 12, item 2) and a kind reply when the action server
hangs or fails (issue 10, item 3).

A stack of its own: Rasa talks to the real action server through a small proxy in this
test process, which can pass calls on, answer 500 with the whole request echoed (the
worst an action server can do), or hang. A unique marker goes inside ordinary, failing,
timing-out and malformed messages; then no file under the stack's log directory (which
holds every process's console output too) may contain it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
import requests

from bot import build
from bot.logs import hash_id
from bot.messages import SOMETHING_WENT_WRONG, TIMED_OUT
from bot.services import Ports, Stack
from tests.helpers import ends_with_notice, last_text

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[1]
SECRET_HEADER = "X-Bot-Action-Secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Proxy(ThreadingHTTPServer):
    daemon_threads = True
    mode = "pass"  # "pass", "fail" or "hang"
    target = ""


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _Proxy

    def log_message(self, *args: Any) -> None:  # keep the test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.server.mode == "hang":
            time.sleep(20)
            return self._reply(500, b"{}")
        if self.server.mode == "fail":
            return self._reply(500, json.dumps({"error": "boom", "request_body":
                                                json.loads(body)}).encode())
        request = urllib.request.Request(self.server.target + self.path, data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  SECRET_HEADER: self.headers.get(SECRET_HEADER, "")})
        with urllib.request.urlopen(request, timeout=60) as answer:
            self._reply(answer.status, answer.read())

    def _reply(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # Rasa gave up waiting (the hang case)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    build.train()
    work = tmp_path_factory.mktemp("private")
    proxy = _Proxy(("127.0.0.1", 0), _ProxyHandler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    ports = Ports(rasa=_free_port(), actions=_free_port(), web=_free_port())
    proxy.target = f"http://127.0.0.1:{ports.actions}"
    stack = Stack(ports=ports, host="127.0.0.1", tracker_db=work / "conversations.db",
                  log_dir=work / "logs",
                  env={"BOT_ACTION_URL": f"http://127.0.0.1:{proxy.server_address[1]}/webhook"})
    stack.start(only=["actions", "rasa"])
    try:
        yield SimpleNamespace(url=stack.rasa_url, log_dir=stack.log_dir, proxy=proxy)
    finally:
        stack.stop()
        proxy.shutdown()


def _send(server: Any, payload: Any) -> requests.Response:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return requests.post(f"{server.url}/webhooks/rest/webhook", data=data, timeout=120)


def _logs(log_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in sorted(log_dir.rglob("*")) if p.is_file())


def test_marker_in_ordinary_failing_timing_out_and_bad_messages_is_in_no_log(
        proxied: SimpleNamespace) -> None:
    marker = f"zq{uuid.uuid4().hex[:10]}"
    sender = f"patient-{marker}"
    text = f"my mum {marker} has lung cancer, where does it spread"

    proxied.proxy.mode = "pass"
    ordinary = _send(proxied, {"sender": sender, "message": text})
    assert ordinary.status_code == 200 and ends_with_notice(ordinary.json())

    proxied.proxy.mode = "fail"
    failed = _send(proxied, {"sender": sender, "message": f"and the bones? {marker}"})
    assert failed.status_code == 200
    assert last_text(failed.json()).startswith(SOMETHING_WENT_WRONG.split("\n")[0])
    assert ends_with_notice(failed.json())

    proxied.proxy.mode = "hang"
    started = time.monotonic()
    timed_out = _send(proxied, {"sender": sender, "message": f"is it curable {marker}"})
    waited = time.monotonic() - started
    assert timed_out.status_code == 200
    assert last_text(timed_out.json()).startswith(TIMED_OUT.split("\n")[0])
    assert ends_with_notice(timed_out.json())
    assert waited < 60, waited  # the turn deadline, not Rasa's 5-minute action timeout
    print(f"\nhung action server: kind reply after {waited:.2f}s")

    proxied.proxy.mode = "pass"
    for bad in ({"sender": {"x": marker}, "message": "hi"}, {"sender": sender, "message": [marker]},
                f'{{"sender": "{sender}", "message": "{marker}'.encode(),
                {"sender": sender, "message": f"\ud800 {marker} pain"}):
        assert _send(proxied, bad).status_code in (200, 400)
    healed = _send(proxied, {"sender": sender, "message": f"what is metastasis {marker}"})
    assert ends_with_notice(healed.json()) and "went wrong" not in last_text(healed.json())

    time.sleep(1)  # let the processes flush their logs
    logs = _logs(proxied.log_dir)
    assert marker not in logs
    assert sender not in logs
    # ... and the logs still say what happened, with the hashed conversation id
    assert f"turn.timeout conversation={hash_id(sender)}" in logs
    assert "rasa.utils.endpoints.ClientResponseError" in logs  # the failing action server


def test_privacy_layer_scrubs_every_kind_of_record() -> None:
    """bot.logs in a fresh process: stdlib with args, DEBUG f-strings of libraries,
    tracebacks with the text in locals and the exception message, Rasa-style structlog
    JSON with dict tracebacks (which show locals), and uncaught exceptions."""
    script = r'''
import logging, sys, structlog
from bot import logs
logs.configure()
marker = sys.argv[1]
logs.remember("conv-" + marker, "my message " + marker + " here")
rasa = logging.getLogger("rasa.core.processor")
rasa.debug(f"Received user message 'my message {marker} here'")
rasa.info("Received user message %r", "my message " + marker + " here")
logging.getLogger("rasa.x").warning("tracker for conv-%s", marker)
def fail(text):
    local_copy = text
    raise KeyError(text)
try:
    fail(marker)
except KeyError:
    rasa.exception("action failed")
structlog.configure(processors=[structlog.processors.add_log_level,
    structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()],
    logger_factory=structlog.stdlib.LoggerFactory())
try:
    fail(marker)
except KeyError:
    structlog.get_logger().exception("rest.message.received.failure",
                                     text=marker, sender_id="conv-" + marker)
fail(marker)
'''
    marker = f"zq{uuid.uuid4().hex[:10]}"
    done = subprocess.run([sys.executable, "-c", script, marker], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1  # the uncaught KeyError at the end
    assert marker not in output
    assert "rest.message.received.failure" in output and "KeyError" in output
    assert "action failed" in output and "Traceback (places only" in output
    assert hash_id("conv-" + marker) in output
