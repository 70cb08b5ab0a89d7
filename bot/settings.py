"""Every `BOT_*` setting, read in one place, with its default and its meaning.

Why one module: a setting read in five places drifts (different defaults, different
parsing). Other modules call `settings()`; nothing else reads `os.environ` for `BOT_*`.
The README's settings table is checked against `SETTINGS` by a test, and `.env.example`
lists the same names.

Reading is lazy and cheap (no side effects at import): `settings()` builds a frozen
snapshot of the environment each time it is called, so tests and child processes that
change the environment see the change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default (None: unset) and a one-line meaning."""

    name: str
    default: Optional[str]
    meaning: str


#: The settings table. Order is the README's order.
SETTINGS: Tuple[Setting, ...] = (
    Setting("BOT_API_TOKEN", None,
            "turns on the Rasa HTTP API with this token; unset keeps the API off"),
    Setting("BOT_REGION", "international",
            "help lines shown in urgent and crisis replies: international, US, CA, UK, IE or AU"),
    Setting("BOT_NOTICE", None,
            "replaces the educational-only notice (one place for its wording)"),
    Setting("BOT_HOST", "127.0.0.1",
            "interface the action server and widget page listen on (Rasa: see BOT_RASA_HOST)"),
    Setting("BOT_RASA_HOST", "0.0.0.0",
            "interface the Rasa server (REST, socket.io) listens on"),
    Setting("BOT_ALLOWED_ORIGINS", None,
            "comma-separated origins allowed by CORS and socket.io; default the widget page "
            "(BOT_HOST and localhost, the page's port)"),
    Setting("BOT_ACTION_SECRET", None,
            "shared secret Rasa sends to the action server; required when BOT_HOST is not "
            "loopback (make run makes a random one per run when unset)"),
    Setting("BOT_TURN_TIMEOUT", "8",
            "seconds one turn may take; later, the patient gets a kind reply with the notice"),
    Setting("BOT_DATABASE_URL", None,
            "content database (any SQLAlchemy URL); default SQLite under var/"),
    Setting("BOT_ENDPOINTS", "endpoints.yml",
            "Rasa endpoints file; endpoints.production.yml for PostgreSQL and Redis"),
    Setting("BOT_TRACKER_DB", None,
            "SQLite file for conversations (set by make run; default var/conversations.db)"),
    Setting("BOT_ACTION_URL", None,
            "action server webhook URL (set by make run from the action server's port)"),
    Setting("BOT_PG_HOST", None, "PostgreSQL host for conversations (production endpoints)"),
    Setting("BOT_PG_DB", None, "PostgreSQL database for conversations (production endpoints)"),
    Setting("BOT_PG_USER", None, "PostgreSQL user (production endpoints)"),
    Setting("BOT_PG_PASSWORD", None, "PostgreSQL password (production endpoints)"),
    Setting("BOT_PG_PORT", "5432", "PostgreSQL port (production endpoints)"),
    Setting("BOT_REDIS_HOST", None, "Redis host for the lock store (production endpoints)"),
    Setting("BOT_REDIS_PORT", "6379", "Redis port (production endpoints)"),
    Setting("BOT_REPLICAS", "2", "Rasa servers (each with its action server) behind nginx in make stack"),
    Setting("BOT_EVAL_FOLDS", "3", "cross-validation folds for make evaluate"),
    Setting("BOT_EVAL_SKIP_CV", None, "1: make evaluate skips the cross-validations (slow)"),
    Setting("BOT_EVALUATOR", None,
            "the shared HTTP evaluator make evaluate scores with; default ../shared/eval/evaluate.py"),
    Setting("BOT_TEST_DATABASE_URL", None,
            "a PostgreSQL URL: the content-loader tests also run against it"),
)

_BY_NAME: Dict[str, Setting] = {s.name: s for s in SETTINGS}

#: Regions with help lines in data/helplines.yml.
REGIONS: Tuple[str, ...] = ("international", "US", "CA", "UK", "IE", "AU")


def get(name: str, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The value of one declared setting (stripped; empty counts as unset)."""
    setting = _BY_NAME[name]  # KeyError: an undeclared setting is a bug
    value = (os.environ if env is None else env).get(name, "").strip()
    return value or setting.default


@dataclass(frozen=True)
class Settings:
    """The settings the code uses, parsed."""

    api_token: Optional[str]
    region: str
    notice: Optional[str]
    host: str
    rasa_host: str
    allowed_origins: Tuple[str, ...]
    action_secret: Optional[str]
    database_url: Optional[str]
    endpoints: str
    eval_folds: int
    turn_timeout: float


def region_key(value: Optional[str]) -> str:
    """`uk`, `UK`, `gb` -> `UK`; unknown or empty -> `international`."""
    wanted = (value or "").strip().upper()
    if wanted == "GB":
        wanted = "UK"
    for region in REGIONS:
        if region.upper() == wanted:
            return region
    return "international"


def settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """A snapshot of every setting, parsed."""
    origins = get("BOT_ALLOWED_ORIGINS", env)
    return Settings(
        api_token=get("BOT_API_TOKEN", env),
        region=region_key(get("BOT_REGION", env)),
        notice=get("BOT_NOTICE", env),
        host=get("BOT_HOST", env) or "127.0.0.1",
        rasa_host=get("BOT_RASA_HOST", env) or "0.0.0.0",
        allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()) if origins
        else (),
        action_secret=get("BOT_ACTION_SECRET", env),
        database_url=get("BOT_DATABASE_URL", env),
        endpoints=get("BOT_ENDPOINTS", env) or "endpoints.yml",
        eval_folds=int(get("BOT_EVAL_FOLDS", env) or "3"),
        turn_timeout=_positive(get("BOT_TURN_TIMEOUT", env), 8.0),
    )


def _positive(value: Optional[str], default: float) -> float:
    try:
        number = float(value or default)
    except ValueError:
        return default
    return number if number > 0 else default


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """True for an interface only this machine can reach."""
    return host in LOOPBACK or host.startswith("127.")


def allowed_origins(web_port: int = 8080, env: Optional[Mapping[str, str]] = None) -> Tuple[str, ...]:
    """BOT_ALLOWED_ORIGINS, or the widget page's own origins: localhost, 127.0.0.1 and
    BOT_HOST (when it is a name or address browsers can use) on the page's port."""
    chosen = settings(env)
    if chosen.allowed_origins:
        return chosen.allowed_origins
    hosts = ["localhost", "127.0.0.1"]
    if chosen.host not in ("0.0.0.0", "::") and not is_loopback(chosen.host):
        hosts.append(chosen.host)
    return tuple(f"http://{host}:{web_port}" for host in hosts)


def markdown_table() -> str:
    """The README's settings table (`python -m bot.settings` prints it; a test compares)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {f'`{s.default}`' if s.default else 'unset'} | {s.meaning} |"
             for s in SETTINGS]
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
