"""The bots `make bench` compares, each started on free ports and stopped at the end.

- `Starter`: Rasa's own starter bot, made by our venv's `rasa init --no-prompt` into
  var/bench/starter (same Rasa, default config, in-memory trackers, no action server),
  trained there once and run with `rasa run`.
- `Ours`: the assistant exactly as `make run` starts it (bot.services.Stack).
- `Topology`: `make stack` (bot.topology), when asked for.

Start-up time is from spawning the processes to the first answered REST turn.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from bot.paths import RASA, ROOT, VAR

if TYPE_CHECKING:
    from bot.services import Stack
    from bot.topology import Topology

BENCH = VAR / "bench"
LOGS = BENCH / "logs"
STARTER = BENCH / "starter"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_turn(url: str, timeout: float) -> None:
    """Wait until the REST channel answers a turn (the model is loaded and serving)."""
    deadline = time.monotonic() + timeout
    body = json.dumps({"sender": "bench-ready", "message": "hello"}).encode()
    while True:
        try:
            request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                json.load(response)
                return
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from {url} within {timeout:.0f}s") from None
            time.sleep(0.25)


def tree_memory(pid: int) -> Dict[str, float]:
    """Resident memory now and at its peak (MB) of a process and its descendants."""
    rss = peak = 0.0
    for p in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        peak += int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    return {"rss_mb": round(rss, 1), "peak_mb": round(peak, 1)}


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _descendants(pid: int) -> List[int]:
    children: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children + [d for c in children for d in _descendants(c)]


@dataclass
class Bot:
    """A running bot: its REST URL, its processes' pids, its start-up and training times."""

    name: str
    url: str = ""
    startup_s: float = 0.0
    train_s: Optional[float] = None
    notice: str = ""  # our replies must end with it; the starter bot has none

    def start(self) -> "Bot":
        raise NotImplementedError

    def pids(self) -> Dict[str, int]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def cpu_s(self) -> Dict[str, float]:
        """CPU seconds used so far, per process (with its children)."""
        return {name: tree_cpu_s(pid) for name, pid in self.pids().items()}

    def memory(self) -> Dict[str, Dict[str, float]]:
        return {name: tree_memory(pid) for name, pid in self.pids().items()}


@dataclass
class Starter(Bot):
    name: str = "starter"
    process: Optional[subprocess.Popen] = None

    def train(self, force: bool = False) -> None:
        """`rasa init --no-prompt` (which trains) once; later runs reuse the model."""
        if not force and list((STARTER / "models").glob("*.tar.gz")):
            return
        shutil.rmtree(STARTER, ignore_errors=True)
        STARTER.mkdir(parents=True)
        LOGS.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with (LOGS / "starter-init.log").open("w") as log:
            subprocess.run([str(RASA), "init", "--no-prompt", "--init-dir", str(STARTER)], cwd=BENCH,
                           stdout=log, stderr=subprocess.STDOUT, check=True,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        self.train_s = round(time.monotonic() - started, 1)

    def start(self) -> "Starter":
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with (LOGS / "starter.log").open("w") as log:
            self.process = subprocess.Popen(
                [str(RASA), "run", "--model", "models", "--interface", "127.0.0.1", "--port", str(port)],
                cwd=STARTER, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        try:
            first_turn(self.url, timeout=300)
        except BaseException:
            self.stop()
            raise
        self.startup_s = round(time.monotonic() - started, 2)
        return self

    def pids(self) -> Dict[str, int]:
        return {"rasa": self.process.pid} if self.process else {}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.process = None


@dataclass
class Ours(Bot):
    name: str = "ours"
    stack: Optional["Stack"] = None
    extra_env: Dict[str, str] = field(default_factory=dict)

    def train(self) -> None:
        from bot import build

        started = time.monotonic()
        build.train()
        self.train_s = round(time.monotonic() - started, 1)

    def start(self) -> "Ours":
        from bot.notice import NOTICE
        from bot.services import Ports, Stack

        work = BENCH / "ours"
        shutil.rmtree(work, ignore_errors=True)  # every run starts with no conversations
        work.mkdir(parents=True)
        stack = Stack(ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()),
                      host="127.0.0.1", tracker_db=work / "conversations.db", log_dir=LOGS / "ours",
                      env=dict(self.extra_env))
        self.stack, self.notice, self.url = stack, NOTICE, stack.rasa_url
        started = time.monotonic()
        stack.start(only=["actions", "rasa"])  # the widget's page server serves no turns
        first_turn(self.url, timeout=120)
        self.startup_s = round(time.monotonic() - started, 2)
        return self

    def pids(self) -> Dict[str, int]:
        return {name: proc.pid for name, proc in self.stack.processes.items()} if self.stack else {}

    def stop(self) -> None:
        if self.stack:
            self.stack.stop()


@dataclass
class Stacked(Bot):
    """`make stack` (nginx in front of BOT_REPLICAS replicas, PostgreSQL, Redis)."""

    name: str = "stack"
    replicas: int = 2
    topology: Optional["Topology"] = None

    def start(self) -> "Stacked":
        from bot.notice import NOTICE
        from bot.topology import Topology

        work = BENCH / "stack"
        shutil.rmtree(work, ignore_errors=True)
        topology = Topology.on_free_ports(work, replicas=self.replicas)
        self.topology, self.notice, self.url = topology, NOTICE, topology.url
        started = time.monotonic()
        topology.start()
        first_turn(self.url, timeout=120)
        self.startup_s = round(time.monotonic() - started, 2)
        return self

    def pids(self) -> Dict[str, int]:
        return self.topology.pids() if self.topology else {}

    def stop(self) -> None:
        if self.topology:
            self.topology.stop()


__all__ = ["BENCH", "LOGS", "ROOT", "Bot", "Ours", "Stacked", "Starter", "free_port"]
