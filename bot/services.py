"""Start and stop the three processes of a running assistant: action server, Rasa server
(REST and socket.io) and the widget's page server.

`make run`, `make shell` and the test suite all start the assistant through `Stack`, so
what the tests exercise is exactly what a user runs.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.build import LOGS, MODEL
from bot.paths import RASA, ROOT, VAR

logger = logging.getLogger(__name__)


@dataclass
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8080


@dataclass
class Stack:
    """The running assistant; use as a context manager or call start()/stop()."""

    ports: Ports = field(default_factory=Ports)
    host: str = "0.0.0.0"
    token: Optional[str] = None  # turns on Rasa's HTTP API (contract section 7)
    tracker_db: Path = VAR / "conversations.db"
    log_dir: Path = LOGS
    env: Dict[str, str] = field(default_factory=dict)
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    def environment(self) -> Dict[str, str]:
        """The environment every process of the stack (and `rasa shell`) runs with."""
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            BOT_ACTION_URL=f"http://127.0.0.1:{self.ports.actions}/webhook",
            BOT_TRACKER_DB=str(self.tracker_db),
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        env.update(self.env)
        return env

    @property
    def endpoints(self) -> str:
        return os.environ.get("BOT_ENDPOINTS", "endpoints.yml")

    def commands(self) -> Dict[str, List[str]]:
        rasa = [str(RASA), "run", "--model", str(MODEL), "--endpoints", self.endpoints, "--credentials",
                "credentials.yml", "--interface", self.host, "--port", str(self.ports.rasa),
                "--cors", "*"]
        if self.token:
            rasa += ["--enable-api", "--auth-token", self.token]
        return {
            "actions": [str(RASA), "run", "actions", "--actions", "actions", "--port",
                        str(self.ports.actions)],
            "rasa": rasa,
            "web": [sys.executable, "-m", "bot.web.serve", "--host", self.host, "--port",
                    str(self.ports.web), "--rasa-url", f"http://localhost:{self.ports.rasa}"],
        }

    def start(self, only: Optional[List[str]] = None, timeout: float = 180.0) -> "Stack":
        """Start the processes (logs under var/logs/) and wait until each answers."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        for name, command in self.commands().items():
            if only is not None and name not in only:
                continue
            log = (self.log_dir / f"{name}.log").open("a")
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        checks = {"actions": f"http://127.0.0.1:{self.ports.actions}/health",
                  "rasa": f"{self.rasa_url}/", "web": f"{self.web_url}/"}
        try:
            for name in self.processes:
                self._wait(name, checks[name], timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited early; see {self.log_dir / (name + '.log')}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"{name} did not answer at {url} within {timeout:.0f}s")

    def stop(self) -> None:
        """Terminate every process group; kill what does not stop within 10 seconds."""
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.processes.clear()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self) -> None:
        """Block until a process dies (then stop the rest) or Ctrl-C."""
        while all(p.poll() is None for p in self.processes.values()):
            time.sleep(0.5)
        dead = [n for n, p in self.processes.items() if p.poll() is not None]
        logger.error("%s stopped; see %s", ", ".join(dead), self.log_dir)
