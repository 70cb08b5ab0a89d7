"""Start and stop the three processes of a running assistant: action server, Rasa server
(REST and socket.io) and the widget's page server.

`make run`, `make shell` and the test suite all start the assistant through `Stack`, so
what the tests exercise is exactly what a user runs. `Stack.wait` supervises: a process
that dies is restarted with back-off and the log says why; only a signal stops the
stack. Where each process listens and how they trust each other: docs/security.md.
"""

from __future__ import annotations

import ctypes
import logging
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.build import LOGS, MODEL
from bot.endpoints import check as check_endpoints
from bot.logs import CONFIG as LOGGING_CONFIG
from bot.paths import ROOT, VAR
from bot.settings import allowed_origins, is_loopback, settings

logger = logging.getLogger(__name__)

#: Restart delays after a crash (seconds); a process that ran this long counts as healthy.
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
HEALTHY_AFTER = 60.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: a new session (Ctrl-C and a closed terminal reach only
    `python -m bot`, which stops the stack), and SIGTERM when that parent dies, even by
    SIGKILL, so no process is ever orphaned (Linux; elsewhere only the new session).
    The kernel sends it when the *thread* that started the child ends: `make run`
    supervises from its main thread."""
    os.setsid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def use_wal(db: Path) -> str:
    """Put the SQLite tracker store in write-ahead-log mode (persistent per file), so
    readers (the HTTP API) never block Rasa's writer. Answered turns survive a SIGKILL
    of Rasa in either journal mode (measured; docs/security.md)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db) as connection:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    return str(mode)


@dataclass
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8080


@dataclass
class Stack:
    """The running assistant; use as a context manager or call start()/stop()."""

    ports: Ports = field(default_factory=Ports)
    host: str = field(default_factory=lambda: settings().host)  # action server, widget page
    rasa_host: str = field(default_factory=lambda: settings().rasa_host)
    token: Optional[str] = None  # turns on Rasa's HTTP API (contract section 7)
    tracker_db: Path = VAR / "conversations.db"
    log_dir: Path = LOGS
    env: Dict[str, str] = field(default_factory=dict)
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    #: Rasa sends it, the action server checks it; random per stack unless configured.
    action_secret: str = field(
        default_factory=lambda: settings().action_secret or secrets.token_urlsafe(24))
    restarts: Dict[str, int] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def public_rasa_url(self) -> str:
        """The Rasa URL the widget page gives browsers: BOT_HOST when the page is served
        on a real address (other machines), else localhost."""
        public = self.host if self.host not in ("0.0.0.0", "::") and not is_loopback(self.host) \
            else "localhost"
        return f"http://{public}:{self.ports.rasa}"

    def origins(self) -> List[str]:
        """Origins allowed to call Rasa from a browser (CORS and socket.io): BOT_ALLOWED_ORIGINS
        from this stack's environment (its `env` first), else the widget page's own."""
        return list(allowed_origins(self.ports.web, env={**os.environ, **self.env}))

    def environment(self) -> Dict[str, str]:
        """The environment every process of the stack (and `rasa shell`) runs with."""
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            BOT_ACTION_URL=f"{self.actions_url}/webhook",
            BOT_TRACKER_DB=str(self.tracker_db),
            BOT_ACTION_SECRET=self.action_secret,
            BOT_ALLOWED_ORIGINS=",".join(self.origins()),
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        env.update(self.env)
        return env

    @property
    def endpoints(self) -> str:
        return settings().endpoints

    def commands(self) -> Dict[str, List[str]]:
        # Rasa's own `rasa run`, minus costs found by profiling a turn (bot/rasa_server.py)
        rasa = [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(MODEL), "--endpoints",
                self.endpoints, "--credentials", "credentials.yml", "--interface", self.rasa_host,
                "--port", str(self.ports.rasa),
                "--logging-config-file", str(LOGGING_CONFIG), "--cors", *self.origins()]
        if self.token:
            rasa += ["--enable-api", "--auth-token", self.token]
        return {
            "actions": [sys.executable, "-m", "bot.action_server", "--host", self.host,
                        "--port", str(self.ports.actions)],
            "rasa": rasa,
            "web": [sys.executable, "-m", "bot.web.serve", "--host", self.host, "--port",
                    str(self.ports.web), "--rasa-url", self.public_rasa_url],
        }

    def start(self, only: Optional[List[str]] = None, timeout: float = 180.0) -> "Stack":
        """Start the processes (logs under var/logs/) and wait until each answers.

        Raises EndpointsError, naming the variable, when the endpoints file uses one that
        is unset or quoted (Rasa would otherwise make a file named after the placeholder)."""
        check_endpoints(ROOT / self.endpoints, self.environment())
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.endpoints == "endpoints.yml":
            logger.debug("tracker store journal mode: %s", use_wal(self.tracker_db))
        for name in self.commands():
            if only is None or name in only:
                self._spawn(name)
        try:
            for name in self.processes:
                self._wait(name, self.health_url(name), timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def health_url(self, name: str) -> str:
        return {"actions": f"{self.actions_url}/health", "rasa": f"{self.rasa_url}/",
                "web": f"{self.web_url}/"}[name]

    def _spawn(self, name: str) -> None:
        with (self.log_dir / f"{name}.log").open("a") as log:
            self.processes[name] = subprocess.Popen(
                self.commands()[name], cwd=ROOT, env=self.environment(), stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )

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
                _signal_group(proc, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        self.processes.clear()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self, stop: Optional[threading.Event] = None,
             sleep: Callable[[float], object] = time.sleep) -> None:
        """Supervise until Ctrl-C, SIGTERM, SIGHUP (raised as KeyboardInterrupt by the CLI)
        or `stop` is set: a process that dies is restarted after a back-off delay, with
        its exit code and the delay in the log. Nothing else is stopped meanwhile."""
        started = {name: time.monotonic() for name in self.processes}
        failures: Dict[str, int] = {name: 0 for name in self.processes}
        due: Dict[str, float] = {}
        while not (stop is not None and stop.is_set()):
            now = time.monotonic()
            for name, proc in list(self.processes.items()):
                code = proc.poll()
                if code is None or name in due:
                    continue
                if now - started[name] >= HEALTHY_AFTER:
                    failures[name] = 0
                delay = BACKOFF[min(failures[name], len(BACKOFF) - 1)]
                failures[name] += 1
                due[name] = now + delay
                logger.error("%s exited with code %s (%s); restarting in %.0fs; see %s",
                             name, code, _describe(code), delay, self.log_dir / f"{name}.log")
            for name, when in list(due.items()):
                if now >= when:
                    del due[name]
                    self._spawn(name)
                    started[name] = time.monotonic()
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    logger.warning("%s restarted (restart %d)", name, self.restarts[name])
            sleep(0.5)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return "crashed" if code else "stopped"


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
