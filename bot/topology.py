"""`make stack`: the production topology on one machine, in the foreground.

    PostgreSQL (content and conversations) ─┐
    Redis (lock store) ─────────────────────┤
    nginx :5005 ──> rasa-1 ──> actions-1 ───┤   (BOT_REPLICAS pairs, default 2)
               └──> rasa-2 ──> actions-2 ───┘
    widget page :8080 (talks to nginx)

Each replica is a `bot.services.Stack` (its Rasa server and its action server, started,
checked and restarted exactly as `make run` does); PostgreSQL, Redis and nginx are one more
Stack whose commands are those servers. Every process writes var/run/NAME.pid
(rasa-1, actions-1, ..., postgres, redis, nginx, web), rewritten when it is restarted.
Ctrl-C (or SIGTERM, SIGHUP) stops all of it.

PostgreSQL and Redis run from Debian's packages in var/stack/ (no dump files, nothing
written into the repository) unless BOT_PG_HOST / BOT_REDIS_HOST name servers to use.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, TypeVar, Union

from bot.paths import ROOT, VAR
from bot.services import Ports, Stack
from bot.settings import get as setting
from bot.settings import settings

logger = logging.getLogger("bot.topology")

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
PRODUCTION_ENDPOINTS = "endpoints.production.yml"


def lock_lifetime_s() -> int:
    """Seconds a replica killed mid-turn keeps its conversation locked (Rasa's
    TICKET_LOCK_LIFETIME, default 60): half the turn deadline (BOT_TURN_TIMEOUT), so the
    turn nginx retries on another replica still gets its answer within the deadline. No
    turn holds the lock longer than the deadline anyway: the channel cancels it."""
    return max(2, int(settings().turn_timeout // 2))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres_user() -> List[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user."""
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] \
        if os.geteuid() == 0 else []


def postgres_bin(program: str) -> str:
    """A PostgreSQL server program from Debian's package (newest version) or the PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    path = found[-1] if found else shutil.which(program)
    if not path:
        raise RuntimeError(f"PostgreSQL's {program} is missing: `make stack` installs it "
                           "(apt-get install postgresql), or set BOT_PG_HOST")
    return path


class _PidFiles:
    """Mixin for Stack: each spawned process writes run_dir/NAME[-INDEX].pid."""

    run_dir: Path
    pid_suffix: str = ""

    def pid_name(self, name: str) -> str:
        return f"{name}{self.pid_suffix}"

    def _spawn(self, name: str) -> None:
        super()._spawn(name)  # type: ignore[misc]  # Stack's, after the mixin
        self.write_pid(name)

    def write_pid(self, name: str) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        proc = self.processes[name]  # type: ignore[attr-defined]
        (self.run_dir / f"{self.pid_name(name)}.pid").write_text(f"{proc.pid}\n")


@dataclass
class Replica(_PidFiles, Stack):
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
class Page(_PidFiles, Stack):
    """The widget's page server; its widget talks to nginx (ports.rasa is nginx's port)."""

    run_dir: Path = VAR / "run"

    def commands(self) -> Dict[str, List[str]]:
        return {"web": super().commands()["web"]}


@dataclass
class Infra(_PidFiles, Stack):
    """PostgreSQL, Redis and nginx as the processes of a Stack (started, checked, restarted)."""

    work: Path = VAR / "stack"
    run_dir: Path = VAR / "run"
    pg_port: Optional[int] = None  # None: an external server (BOT_PG_HOST)
    pg_password: str = ""
    redis_port: Optional[int] = None  # None: an external server (BOT_REDIS_HOST)
    nginx_listen: str = "0.0.0.0:5005"
    nginx_port: int = 5005
    upstreams: List[int] = field(default_factory=list)

    def commands(self) -> Dict[str, List[str]]:
        commands: Dict[str, List[str]] = {}
        if self.pg_port:
            commands["postgres"] = [
                *_as_postgres_user(), postgres_bin("postgres"), "-D", str(self.work / "pg"),
                "-p", str(self.pg_port), "-c", "listen_addresses=127.0.0.1",
                "-c", f"unix_socket_directories={self.work / 'pg-socket'}", "-c", "max_connections=200"]
        if self.redis_port:
            commands["redis"] = [
                shutil.which("redis-server") or "redis-server", "--port", str(self.redis_port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.work / "redis"), "--daemonize", "no"]
        if self.upstreams:
            nginx = self.work / "nginx"
            commands["nginx"] = [shutil.which("nginx") or "nginx", "-p", str(nginx), "-c",
                                 str(nginx / "nginx.conf"), "-e", str(nginx / "error.log")]
        return commands

    def health_url(self, name: str) -> str:
        port = {"postgres": self.pg_port, "redis": self.redis_port, "nginx": self.nginx_port}[name]
        return f"tcp://127.0.0.1:{port}"

    def _wait(self, name: str, url: str, timeout: float) -> None:
        """Wait until the server answers: PostgreSQL a query, Redis PING, nginx a connection."""
        deadline = time.monotonic() + timeout
        port = int(url.rsplit(":", 1)[1])
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited early; see {self.log_dir / (name + '.log')}")
            try:
                if name == "postgres":
                    self.pg_query("SELECT 1")
                elif name == "redis":
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                        s.sendall(b"PING\r\n")
                        if not s.recv(16).startswith(b"+PONG"):
                            raise OSError("no PONG")
                else:
                    socket.create_connection(("127.0.0.1", port), timeout=2).close()
                return
            except Exception:  # noqa: BLE001 - not up yet, whatever the driver raises
                time.sleep(0.3)
        raise TimeoutError(f"{name} did not answer on port {port} within {timeout:.0f}s")

    def pg_query(self, sql: str, database: str = "postgres") -> None:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="bot",
                                      password=self.pg_password, dbname=database, connect_timeout=2)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def prepare(self) -> None:
        """Data folders, PostgreSQL's cluster (initdb, once) and nginx's configuration."""
        self.work.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work, 0o755)  # PostgreSQL's user must reach its folder
        if self.pg_port:
            self._initdb()
        if self.redis_port:
            (self.work / "redis").mkdir(exist_ok=True)
        if self.upstreams:
            self.write_nginx_conf()

    def _initdb(self) -> None:
        data, sockets = self.work / "pg", self.work / "pg-socket"
        password_file = self.work / "pg.password"
        if not (data / "PG_VERSION").exists():
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(mode=0o700)
            password_file.write_text(secrets.token_urlsafe(18) + "\n")
            password_file.chmod(0o644 if os.geteuid() == 0 else 0o600)
            _chown_postgres(data, password_file)
            subprocess.run([*_as_postgres_user(), postgres_bin("initdb"), "-D", str(data), "-U", "bot",
                            f"--pwfile={password_file}", "--auth-local=trust", "--auth-host=scram-sha-256",
                            "-E", "UTF8", "--no-instructions"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        password_file.chmod(0o600)
        sockets.mkdir(exist_ok=True)
        _chown_postgres(sockets)
        self.pg_password = password_file.read_text().strip()

    def database_url(self, database: str) -> str:
        """SQLAlchemy URL of a database on the PostgreSQL server this Stack runs."""
        return f"postgresql://bot:{self.pg_password}@127.0.0.1:{self.pg_port}/{database}"

    def create_database(self, name: str) -> None:
        try:
            self.pg_query(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # noqa: BLE001 - psycopg2 is imported lazily
            if "already exists" not in str(exc):
                raise

    def write_nginx_conf(self) -> None:
        prefix = self.work / "nginx"
        for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        user = ""
        if os.geteuid() == 0:  # workers drop root; they only write their temp files
            user = "user www-data;"
            for folder in (prefix / "tmp").rglob("*"):
                shutil.chown(folder, "www-data")
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;"
                            for port in self.upstreams)
        fields = {"prefix": str(prefix), "user": user, "workers": "1", "servers": servers,
                  "listen": self.nginx_listen, "tries": str(max(2, len(self.upstreams)))}
        text = NGINX_TEMPLATE.read_text(encoding="utf-8")
        for key, value in fields.items():
            text = text.replace("{{" + key + "}}", value)
        (prefix / "nginx.conf").write_text(text, encoding="utf-8")


def _chown_postgres(*paths: Path) -> None:
    if os.geteuid() == 0:
        for path in paths:
            shutil.chown(path, "postgres", "postgres")


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
