"""`make stack` for real, on free ports: PostgreSQL, Redis, nginx and two replicas (Rasa
server and action server each), supervised as `make stack` supervises them. A replica is
killed with SIGKILL in the middle of a conversation: the conversation goes on through
nginx, every turn answered with the notice, every turn in the tracker in order, and the
supervisor brings the replica back under a new pid.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator, List

import pytest
import requests

from bot import build
from bot.topology import Topology
from tests.helpers import chat, ends_with_notice, new_sender
from tests.test_websocket import in_thread, socketio_chat

pytestmark = pytest.mark.server

TURNS = (
    "hi",
    "what does it mean that my cancer has spread",
    "my mum has breast cancer and it went to her bones",
    "what symptoms should we watch for",
    "is it contagious",
    "thank you",
)


@pytest.fixture(scope="module")
def stack() -> Iterator[SimpleNamespace]:
    build.train()
    # not pytest's tmp_path: its parents are private to root, and PostgreSQL runs as postgres
    work = Path(tempfile.mkdtemp(prefix="bot-stack-"))
    work.chmod(0o755)
    topology = Topology.on_free_ports(work, replicas=2, token=secrets.token_hex(12))
    stop = threading.Event()
    try:
        topology.start()
        threads = topology.supervise(stop)
        yield SimpleNamespace(url=topology.url, token=topology.token, run_dir=topology.run_dir,
                              topology=topology)
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    finally:
        stop.set()
        topology.stop()
        shutil.rmtree(work, ignore_errors=True)


def pid_of(stack: SimpleNamespace, name: str) -> int:
    return int((stack.run_dir / f"{name}.pid").read_text())


def tracker_texts(stack: SimpleNamespace, sender: str) -> tuple[List[str], int]:
    response = requests.get(f"{stack.url}/conversations/{sender}/tracker",
                            params={"token": stack.token}, timeout=60)
    response.raise_for_status()
    events = response.json()["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    return users, sum(1 for e in events if e["event"] == "bot" and e.get("text"))


def test_every_process_wrote_its_pid(stack: SimpleNamespace) -> None:
    names = {p.stem for p in stack.run_dir.glob("*.pid")}
    assert {"rasa-1", "rasa-2", "actions-1", "actions-2", "postgres", "redis", "nginx", "web"} <= names
    for name in names:
        os.kill(pid_of(stack, name), 0)  # alive


def test_turns_are_spread_over_both_replicas(stack: SimpleNamespace) -> None:
    log = stack.topology.work / "nginx" / "access.log"
    before = len(log.read_text().splitlines())
    for _ in range(6):
        assert ends_with_notice(chat(stack, new_sender("spread"), "hello"))
    lines = log.read_text().splitlines()[before:]
    upstreams = {line.split()[-1] for line in lines if "/webhooks/rest/webhook" in line}
    assert len(upstreams) == 2, lines


def new_log_lines(stack: SimpleNamespace, before: int) -> List[str]:
    return (stack.topology.work / "nginx" / "access.log").read_text().splitlines()[before:]


def next_log_lines(stack: SimpleNamespace, before: int, timeout: float = 5.0) -> List[str]:
    """The access-log lines after `before`, waiting for nginx to write the first of them
    (it logs a request after the response has gone, so a fast client can read first)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = new_log_lines(stack, before)
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


@pytest.mark.parametrize("transports", [["polling"], None], ids=["polling", "polling-then-websocket"])
def test_socketio_through_nginx_stays_on_one_replica(stack: SimpleNamespace, transports) -> None:
    before = len(new_log_lines(stack, 0))
    transport, turns = in_thread(socketio_chat(stack.url, ["what is metastasis", "how does it spread"],
                                               transports))
    assert transport == (transports or ["websocket"])[0]
    assert len(turns) == 2
    time.sleep(0.5)  # nginx logs a WebSocket when it closes
    lines = [line for line in new_log_lines(stack, before) if "/socket.io/" in line]
    upstreams = {line.split()[-1] for line in lines} - {"-"}
    assert lines and len(upstreams) == 1, lines


def answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok
    except requests.RequestException:
        return False


def test_a_turn_cut_off_by_sigkill_is_answered_by_the_other_replica(stack: SimpleNamespace) -> None:
    """The replica that is answering dies mid-turn: nginx retries the turn on the other
    one, which waits out the dead turn's lock and answers it, once, within the deadline."""
    topology = stack.topology
    sender = new_sender("cut")
    before = len(new_log_lines(stack, 0))
    assert ends_with_notice(chat(stack, sender, "hello"))
    served = next_log_lines(stack, before)[-1].split()[-1]  # nginx alternates between the two
    index = 1 if served.endswith(f":{topology.ports.rasa[0]}") else 2
    victim = pid_of(stack, f"rasa-{index}")
    outcome: List[object] = []
    turn = threading.Thread(target=lambda: outcome.append(
        chat(stack, sender, "my dad has lung cancer and now it spread to his brain, what happens now")))
    turn.start()
    time.sleep(0.004)
    os.kill(victim, signal.SIGKILL)
    turn.join(timeout=60)
    assert outcome and ends_with_notice(outcome[0]), outcome
    # in the tracker once: not lost to the deadline ("taking too long"), not run twice
    users, bots = tracker_texts(stack, sender)
    assert users == ["hello", "my dad has lung cancer and now it spread to his brain, what happens now"]
    assert bots == 2
    deadline = time.monotonic() + 120  # the next test kills rasa-1: both must be up first
    while not all(answers(port) for port in topology.ports.rasa) and time.monotonic() < deadline:
        time.sleep(1)
    assert all(answers(port) for port in topology.ports.rasa)


def test_conversation_survives_sigkill_of_a_replica(stack: SimpleNamespace) -> None:
    sender = new_sender("stack")
    victim = pid_of(stack, "rasa-1")
    for number, text in enumerate(TURNS):
        if number == 3:
            os.kill(victim, signal.SIGKILL)
        messages = chat(stack, sender, text)
        assert ends_with_notice(messages), f"turn {number + 1} ({text!r}) unanswered: {messages}"
    users, bots = tracker_texts(stack, sender)
    assert users == list(TURNS)  # nothing lost, nothing twice, nothing out of order
    assert bots >= len(TURNS)
    deadline = time.monotonic() + 60
    while pid_of(stack, "rasa-1") == victim and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pid_of(stack, "rasa-1") != victim, "the supervisor did not restart rasa-1"
