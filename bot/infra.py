"""The servers under `make stack`, each run as a process of a `bot.services.Stack` (so
they are started, checked and restarted like the assistant's own): PostgreSQL (its cluster
made once with initdb, as the `postgres` user when run as root), Redis (nothing written to
disk) and nginx (configuration from deploy/nginx.conf.template), all in var/stack/.

Also `PidFiles`: every process of such a Stack writes run_dir/NAME.pid, rewritten when the
supervisor restarts it.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.paths import ROOT, VAR
from bot.services import Stack

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


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


class PidFiles:
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
class Infra(PidFiles, Stack):
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


