"""`make stack`: the production topology on one machine, in the foreground.

    PostgreSQL (content and conversations) ─┐
    Redis (lock store) ─────────────────────┤
    nginx :5005 ──> rasa-1 ──> actions-1 ───┤   (BOT_REPLICAS pairs, default 2)
               └──> rasa-2 ──> actions-2 ───┘
    widget page :8080 (talks to nginx)

Each replica is a `bot.services.Stack` (its Rasa server and its action server, started,
checked and restarted exactly as `make run` does); PostgreSQL, Redis and nginx are one more
Stack whose commands are those servers (`bot.infra.Infra`). Every process writes var/run/NAME.pid
(rasa-1, actions-1, ..., postgres, redis, nginx, web), rewritten when it is restarted.
Ctrl-C (or SIGTERM, SIGHUP) stops all of it.

PostgreSQL and Redis run from Debian's packages in var/stack/ (no dump files, nothing
written into the repository) unless BOT_PG_HOST / BOT_REDIS_HOST name servers to use.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, TypeVar, Union

from bot.infra import Infra, PidFiles, free_port
from bot.paths import VAR
from bot.services import Ports, Stack
from bot.settings import get as setting
from bot.settings import settings

logger = logging.getLogger("bot.topology")

PRODUCTION_ENDPOINTS = "endpoints.production.yml"


def lock_lifetime_s() -> int:
    """Seconds a replica killed mid-turn keeps its conversation locked (Rasa's
    TICKET_LOCK_LIFETIME, default 60): half the turn deadline (BOT_TURN_TIMEOUT), so the
    turn nginx retries on another replica still gets its answer within the deadline. No
    turn holds the lock longer than the deadline anyway: the channel cancels it."""
    return max(2, int(settings().turn_timeout // 2))


@dataclass
class Replica(PidFiles, Stack):
    """One Rasa server and its action server, on PostgreSQL and Redis (production endpoints)."""

    index: int = 1
    run_dir: Path = VAR / "run"

    def __post_init__(self) -> None:
        self.pid_suffix = f"-{self.index}"

    @property
    def endpoints(self) -> str:
        return PRODUCTION_ENDPOINTS

    def commands(self) -> Dict[str, List[str]]:
        commands = super().commands()
        return {name: commands[name] for name in ("actions", "rasa")}


@dataclass
class Page(PidFiles, Stack):
    """The widget's page server; its widget talks to nginx (ports.rasa is nginx's port)."""

    run_dir: Path = VAR / "run"

    def commands(self) -> Dict[str, List[str]]:
        return {"web": super().commands()["web"]}


@dataclass
class TopologyPorts:
    nginx: int = 5005
    web: int = 8080
    postgres: int = 5432
    redis: int = 6379
    rasa: List[int] = field(default_factory=list)  # one per replica
    actions: List[int] = field(default_factory=list)


class Topology:
    """Everything `make stack` runs; start(), wait() (supervise until Ctrl-C), stop()."""

    def __init__(self, work: Path = VAR / "stack", run_dir: Path = VAR / "run", replicas: int = 2,
                 ports: Optional[TopologyPorts] = None, token: Optional[str] = None,
                 log_dir: Optional[Path] = None, external_pg: bool = False,
                 external_redis: bool = False, listen_host: Optional[str] = None) -> None:
        self.work, self.run_dir, self.token = work, run_dir, token
        self.log_dir = log_dir or VAR / "logs" / "stack"
        ports = ports or TopologyPorts()
        if not ports.rasa:  # replicas listen on loopback only, behind nginx
            ports.rasa = [free_port() for _ in range(replicas)]
            ports.actions = [free_port() for _ in range(replicas)]
        self.ports = ports
        self.external_pg, self.external_redis = external_pg, external_redis
        self.infra = Infra(
            ports=Ports(rasa=ports.nginx, web=ports.web), log_dir=self.log_dir, work=work, run_dir=run_dir,
            tracker_db=work / "unused.db",
            pg_port=None if external_pg else ports.postgres,
            redis_port=None if external_redis else ports.redis,
            nginx_listen=f"{listen_host or setting('BOT_RASA_HOST')}:{ports.nginx}", nginx_port=ports.nginx,
            upstreams=list(ports.rasa))
        self.replicas: List[Replica] = []
        self.page: Optional[Page] = None

    @classmethod
    def on_free_ports(cls, work: Path, replicas: int = 2, run_dir: Optional[Path] = None,
                      token: Optional[str] = None) -> "Topology":
        """A private topology (tests, benchmark): every port free, its own run and log folders."""
        ports = TopologyPorts(nginx=free_port(), web=free_port(), postgres=free_port(), redis=free_port())
        return cls(work=work, run_dir=run_dir or work / "run", replicas=replicas, ports=ports,
                   token=token, log_dir=work / "logs", listen_host="127.0.0.1")

    @classmethod
    def from_settings(cls, port: int = 5005, web_port: int = 8080) -> "Topology":
        """`make stack`: nginx and the page on their public ports; PostgreSQL and Redis
        (when run here) on free ports, as only the replicas talk to them."""
        replicas = int(setting("BOT_REPLICAS") or "2")
        ports = TopologyPorts(nginx=port, web=web_port, postgres=free_port(), redis=free_port())
        return cls(replicas=replicas, ports=ports, token=setting("BOT_API_TOKEN"),
                   external_pg=bool(setting("BOT_PG_HOST")), external_redis=bool(setting("BOT_REDIS_HOST")))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    def database_env(self) -> Dict[str, str]:
        """The variables of endpoints.production.yml, and the content database's URL."""
        if self.external_pg:
            pg = {name: setting(name) or "" for name in
                  ("BOT_PG_HOST", "BOT_PG_PORT", "BOT_PG_DB", "BOT_PG_USER", "BOT_PG_PASSWORD")}
        else:
            pg = {"BOT_PG_HOST": "127.0.0.1", "BOT_PG_PORT": str(self.ports.postgres), "BOT_PG_DB": "bot",
                  "BOT_PG_USER": "bot", "BOT_PG_PASSWORD": self.infra.pg_password}
        redis = {"BOT_REDIS_HOST": setting("BOT_REDIS_HOST") or "",
                 "BOT_REDIS_PORT": setting("BOT_REDIS_PORT") or "6379"} if self.external_redis \
            else {"BOT_REDIS_HOST": "127.0.0.1", "BOT_REDIS_PORT": str(self.ports.redis)}
        content = setting("BOT_DATABASE_URL") or (
            f"postgresql://{pg['BOT_PG_USER']}:{pg['BOT_PG_PASSWORD']}@{pg['BOT_PG_HOST']}:"
            f"{pg['BOT_PG_PORT'] or '5432'}/{pg['BOT_PG_DB']}")
        return {**pg, **redis, "BOT_DATABASE_URL": content, "BOT_ENDPOINTS": PRODUCTION_ENDPOINTS,
                "TICKET_LOCK_LIFETIME": str(lock_lifetime_s())}

    def start(self, timeout: float = 240.0) -> "Topology":
        """Databases first, then content, then the replicas (together), then nginx and the page."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.infra.prepare()
            self.infra.start(only=[n for n in ("postgres", "redis") if n in self.infra.commands()],
                             timeout=timeout)
            env = self.database_env()
            if not self.external_pg:
                self.infra.create_database("bot")
            self._load_content(env["BOT_DATABASE_URL"])
            self.replicas = [self._replica(i, env) for i in range(1, len(self.ports.rasa) + 1)]
            for replica in self.replicas:
                replica.start(timeout=timeout)
            self.infra.start(only=["nginx"], timeout=timeout)
            self.page = _on_host(Page(ports=Ports(rasa=self.ports.nginx, web=self.ports.web),
                                      log_dir=self.log_dir, run_dir=self.run_dir,
                                      tracker_db=self.work / "unused.db"),
                                 setting("BOT_HOST") or "127.0.0.1")
            self.page.start(timeout=timeout)
            self.write_pids()
        except BaseException:
            self.stop()
            raise
        return self

    def _replica(self, index: int, env: Dict[str, str]) -> Replica:
        log_dir = self.log_dir / f"replica-{index}"
        return _on_host(Replica(ports=Ports(rasa=self.ports.rasa[index - 1], actions=self.ports.actions[index - 1],
                                            web=self.ports.web),
                                token=self.token, log_dir=log_dir, env=dict(env), index=index,
                                run_dir=self.run_dir, tracker_db=self.work / "unused.db"), "127.0.0.1")

    def _load_content(self, url: str) -> None:
        from bot.content.db import make_engine
        from bot.content.loader import load_content
        from bot.paths import CONTENT_DIR

        engine = make_engine(url)
        try:
            count, changed = load_content(engine, CONTENT_DIR)
        finally:
            engine.dispose()
        logger.info("content: %d entries in PostgreSQL, %s", count, "loaded" if changed else "unchanged")

    def stacks(self) -> List[Union[Page, Replica, Infra]]:
        return [s for s in (self.page, *self.replicas, self.infra) if s is not None]

    def write_pids(self) -> None:
        for stack in self.stacks():
            for name in stack.processes:
                stack.write_pid(name)

    def pids(self) -> Dict[str, int]:
        return {stack.pid_name(name): proc.pid
                for stack in self.stacks() for name, proc in stack.processes.items()}

    def supervise(self, stop: threading.Event) -> List[threading.Thread]:
        """Each Stack's supervisor (it restarts what dies) in a thread, until `stop` is set."""
        threads = [threading.Thread(target=s.wait, kwargs={"stop": stop}, name=f"supervise-{i}", daemon=True)
                   for i, s in enumerate(self.stacks())]
        for thread in threads:
            thread.start()
        return threads

    def wait(self) -> None:
        """Supervise every Stack until Ctrl-C, SIGTERM or SIGHUP."""
        stop = threading.Event()
        threads = self.supervise(stop)
        try:
            while True:
                time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)

    def stop(self) -> None:
        """The page, the replicas, nginx, then the databases; pid files removed."""
        for stack in self.stacks():  # page, replicas, then nginx and the databases
            stack.stop()
        for stack in self.stacks():
            for name in ("actions", "rasa", "web", "postgres", "redis", "nginx"):
                (self.run_dir / f"{stack.pid_name(name)}.pid").unlink(missing_ok=True)


_S = TypeVar("_S", bound=Stack)


def _on_host(stack: _S, host: str) -> _S:
    """Set Stack's interface fields (`host`, and `rasa_host` where Stack has it)."""
    for name in ("host", "rasa_host"):
        if name in {f.name for f in dataclasses.fields(stack)}:
            setattr(stack, name, host)
    return stack


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    parser = argparse.ArgumentParser(prog="python -m bot.topology", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5005, help="nginx: REST, HTTP API, socket.io")
    parser.add_argument("--web-port", type=int, default=8080, help="the widget's page")
    args = parser.parse_args(argv)

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    from bot import build

    build.train()
    started = time.monotonic()
    topology = Topology.from_settings(args.port, args.web_port)
    try:
        topology.start()
        logger.info("ready in %.1fs: %d replicas behind nginx", time.monotonic() - started,
                    len(topology.replicas))
        logger.info("REST: http://localhost:%d/webhooks/rest/webhook  widget page: http://localhost:%d/",
                    topology.ports.nginx, topology.ports.web)
        logger.info("pid files in %s; Ctrl-C stops all", topology.run_dir)
        topology.wait()
        return 1
    except KeyboardInterrupt:
        logger.info("stopping")
        return 0
    finally:
        topology.stop()


if __name__ == "__main__":
    raise SystemExit(main())

