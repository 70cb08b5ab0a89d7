"""Nothing lost when a process dies (issue 12, item 6; issue 10, item 3).

A stack of its own, supervised by `Stack.wait` in a thread as `make run` does in the
foreground: SIGKILL the action server, then Rasa in the middle of a stream of messages;
each is restarted, the next message is answered, and every turn answered before the kill
is in the tracker store. Last, `python -m bot run` is stopped by SIGHUP (a closed
terminal) and leaves no process behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator, List, Set

import pytest
import requests

from bot import build
from bot.services import Ports, Stack
from tests.helpers import ends_with_notice, last_text, new_sender

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ("what is metastasis", "how does cancer spread", "where does breast cancer spread",
             "is it curable", "what are the signs of spread", "how is it treated")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    build.train()
    work = tmp_path_factory.mktemp("supervised")
    stack = Stack(ports=Ports(rasa=_free_port(), actions=_free_port(), web=_free_port()),
                  host="127.0.0.1", token="supervisor-test-token",
                  tracker_db=work / "conversations.db", log_dir=work / "logs")
    stack.start(only=["actions", "rasa"])
    stop = threading.Event()
    supervisor = threading.Thread(target=stack.wait, kwargs={"stop": stop}, daemon=True)
    supervisor.start()
    try:
        yield SimpleNamespace(stack=stack, url=stack.rasa_url, token=stack.token)
    finally:
        stop.set()
        supervisor.join(timeout=10)
        stack.stop()


def _chat(url: str, sender: str, text: str) -> List[dict]:
    response = requests.post(f"{url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def _healthy(stack: Stack, name: str) -> bool:
    return requests.get(stack.health_url(name), timeout=2).status_code == 200


def test_a_killed_action_server_is_restarted_and_the_next_message_answered(
        supervised: SimpleNamespace) -> None:
    stack: Stack = supervised.stack
    old = stack.processes["actions"].pid
    os.kill(old, signal.SIGKILL)
    assert _wait_until(lambda: stack.processes["actions"].pid != old and _healthy(stack, "actions"),
                       180), "the action server was not restarted"
    messages = _chat(supervised.url, new_sender("heal"), "what is metastasis")
    assert ends_with_notice(messages) and "went wrong" not in last_text(messages)
    assert stack.processes["rasa"].poll() is None  # nothing else was stopped


def test_rasa_killed_mid_stream_loses_no_answered_turn(supervised: SimpleNamespace) -> None:
    stack: Stack = supervised.stack
    sender = new_sender("wal")
    answered: List[str] = []
    done = threading.Event()

    def stream() -> None:
        n = 0
        while not done.is_set():
            text = f"{QUESTIONS[n % len(QUESTIONS)]} (turn {n})"
            n += 1
            try:
                if ends_with_notice(_chat(supervised.url, sender, text)):
                    answered.append(text)
            except requests.RequestException:
                time.sleep(0.5)  # Rasa is down: the turn is not answered, try the next

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    assert _wait_until(lambda: len(answered) >= 4, 120)
    old = stack.processes["rasa"].pid
    os.kill(old, signal.SIGKILL)
    killed = time.monotonic()
    before_kill = list(answered)
    assert _wait_until(lambda: stack.processes["rasa"].pid != old and _healthy(stack, "rasa"), 300)
    print(f"\nRasa back {time.monotonic() - killed:.1f}s after SIGKILL; "
          f"{len(before_kill)} turns answered before")
    assert _wait_until(lambda: len(answered) >= len(before_kill) + 2, 120)
    done.set()
    streamer.join(timeout=70)

    tracker = requests.get(f"{supervised.url}/conversations/{sender}/tracker",
                           params={"token": supervised.token}, timeout=60).json()
    said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    missing = [t for t in answered if t not in said]
    assert not missing, f"answered but not in the tracker: {missing}"
    assert said.index(answered[-1]) > said.index(before_kill[-1])  # one conversation, continued


def _descendants(pid: int) -> Set[int]:
    found: Set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sighup_stops_make_run_and_leaves_no_process(tmp_path: Path) -> None:
    ports = {"--rasa-port": _free_port(), "--actions-port": _free_port(),
             "--web-port": _free_port()}
    argv = [sys.executable, "-m", "bot", "run"] + [str(x) for kv in ports.items() for x in kv]
    log = (tmp_path / "run.log").open("w")
    run = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        up = _wait_until(lambda: all(
            requests.get(url, timeout=2).status_code == 200 for url in (
                f"http://127.0.0.1:{ports['--rasa-port']}/",
                f"http://127.0.0.1:{ports['--actions-port']}/health",
                f"http://127.0.0.1:{ports['--web-port']}/")), 300)
        assert up, (tmp_path / "run.log").read_text()[-2000:]
        children = _descendants(run.pid)
        assert len(children) >= 3
        run.send_signal(signal.SIGHUP)
        assert run.wait(timeout=60) == 0
        assert _wait_until(lambda: not any(_alive(p) for p in children), 30), \
            [p for p in children if _alive(p)]
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        log.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_children_die_with_a_killed_parent(tmp_path: Path) -> None:
    """Even SIGKILL of `python -m bot` (no chance to clean up) leaves no child behind."""
    script = ("import subprocess, time\n"
              "from bot.services import _die_with_parent\n"
              "child = subprocess.Popen(['sleep', '300'], preexec_fn=_die_with_parent)\n"
              "print(child.pid, flush=True)\n"
              "time.sleep(300)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait(timeout=10)
    assert _wait_until(lambda: not _alive(child), 10)
