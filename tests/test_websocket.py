"""socket.io over WebSocket on Python 3.11 (bot/compat/sanic_websockets.py, docs/websocket.md).

Unit tests run Sanic's real `WebsocketImplProtocol.recv` in a fresh interpreter, with and
without the fix. The server tests open real socket.io WebSocket connections to the running
assistant, the way the widget and rasa-webchat do, and chat over them.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from bot.compat import sanic_websockets
from bot.notice import NOTICE
from bot.paths import ROOT

PY311 = sys.version_info >= (3, 11)
EMERGENCY = "my legs went numb and I can't walk, my back is killing me"

# Feeds two text frames to Sanic's real websocket protocol object and reads them with
# recv() and recv_burst(), the two methods that call asyncio.wait.
PROBE = """
import asyncio, sys
from websockets.frames import Frame, Opcode
from websockets.server import ServerConnection
from sanic.server.websockets.impl import WebsocketImplProtocol

if sys.argv[1] == "fixed":
    from bot.compat import sanic_websockets
    print("applied", sanic_websockets.apply())

async def main():
    ws = WebsocketImplProtocol(ServerConnection())
    first = asyncio.ensure_future(ws.assembler.put(Frame(Opcode.TEXT, b"hello")))
    print("recv", await asyncio.wait_for(ws.recv(), 10))
    await first
    second = asyncio.ensure_future(ws.assembler.put(Frame(Opcode.TEXT, b"again")))
    for _ in range(5):
        await asyncio.sleep(0)
    print("burst", await asyncio.wait_for(ws.recv_burst(), 10))
    second.cancel()

asyncio.run(main())
"""


def probe(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, mode], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.skipif(not PY311, reason="the bug is Python 3.11's asyncio.wait")
def test_unfixed_sanic_recv_fails_on_python_311() -> None:
    """The bug the fix exists for. If this fails, the installed Sanic no longer has it: drop the fix."""
    result = probe("unfixed")
    assert result.returncode != 0
    assert "Passing coroutines is forbidden" in result.stderr


def test_fixed_sanic_recv_and_recv_burst_receive_messages() -> None:
    result = probe("fixed")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"applied {PY311}", "recv hello", "burst ['again']"]


def test_fix_does_nothing_before_python_311() -> None:
    script = ("from bot.compat import sanic_websockets as s; import asyncio; from sanic.server.websockets import impl;"
              "print(s.needed((3, 10)), s.apply((3, 10)), impl.asyncio is asyncio)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "False", "True"], result.stderr


def test_fix_is_idempotent_and_leaves_the_rest_of_asyncio_alone() -> None:
    from sanic.server.websockets import impl

    first, second = sanic_websockets.apply(), sanic_websockets.apply()
    assert first == second == PY311
    if PY311:
        assert impl.asyncio.Future is asyncio.Future and impl.asyncio.wait is not asyncio.wait
    assert asyncio.wait.__module__ == "asyncio.tasks"  # the real module is untouched


# ---------------------------------------------------------------- against the running assistant


def in_thread(coroutine) -> Any:
    """Run a coroutine in a thread of its own (Playwright may own this thread's event loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def socketio_chat(url: str, messages: Sequence[str], transports: Optional[List[str]],
                        metadata: Optional[Dict[str, Any]] = None) -> Tuple[str, List[List[Dict[str, Any]]]]:
    """Chat over Rasa's socket.io channel; return the transport in use and each turn's bot messages."""
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    confirmed = asyncio.Event()
    received: asyncio.Queue = asyncio.Queue()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", received.put_nowait)
    session = uuid.uuid4().hex
    turns: List[List[Dict[str, Any]]] = []
    await client.connect(url, transports=transports, socketio_path="socket.io", wait_timeout=20)
    try:
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(confirmed.wait(), 20)
        for text in messages:
            payload: Dict[str, Any] = {"message": text, "session_id": session}
            if metadata is not None:
                payload["metadata"] = metadata
            await client.emit("user_uttered", payload)
            turn: List[Dict[str, Any]] = []
            while not (turn and str(turn[-1].get("text", "")).rstrip().endswith(NOTICE)):
                turn.append(await asyncio.wait_for(received.get(), 60))
            turns.append(turn)
        return client.transport(), turns
    finally:
        await client.disconnect()


@pytest.mark.server
@pytest.mark.parametrize("transports", [["websocket"], None], ids=["websocket-only", "polling-then-upgrade"])
def test_socketio_chat_over_websocket(server, transports) -> None:
    transport, turns = in_thread(socketio_chat(server.url, ["what is metastasis", "how does it spread"], transports))
    assert transport == "websocket"
    assert len(turns) == 2
    for turn in turns:
        text = "\n\n".join(m["text"] for m in turn if m.get("text"))
        assert text.rstrip().endswith(NOTICE)
        assert "Sources" in text


@pytest.mark.server
def test_meta_message_only_for_clients_that_ask(server) -> None:
    _, (plain,) = in_thread(socketio_chat(server.url, [EMERGENCY], ["websocket"]))
    assert [m for m in plain if "meta" in m] == []
    assert all(m.get("text") for m in plain)

    _, (asked,) = in_thread(socketio_chat(server.url, [EMERGENCY], ["websocket"], {"reply_meta": True}))
    assert asked[0]["meta"]["urgency"] == "emergency" and asked[0]["meta"]["notice"] == NOTICE
    assert [m.get("text") for m in asked[1:]] == [m.get("text") for m in plain]
