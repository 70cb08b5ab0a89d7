"""The database connection: SQLite under var/ by default, any SQLAlchemy URL by env."""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from bot.paths import VAR
from bot.settings import settings


def database_url() -> str:
    """BOT_DATABASE_URL if set (PostgreSQL in production), else the embedded SQLite file."""
    url = settings().database_url
    if url:
        return url
    VAR.mkdir(exist_ok=True)
    return f"sqlite:///{VAR / 'content.db'}"


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite gets foreign keys on and a short busy timeout."""
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)
