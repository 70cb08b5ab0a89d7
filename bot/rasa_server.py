"""The Rasa server, started as `python -m bot.rasa_server run ...` (the same arguments as
`rasa run`), with four costs removed first. Found by profiling a turn with
py-spy (docs/performance.md, flame graph in docs/perf/):

1. Checking the action server's answer took 40 % of the Rasa server's CPU time per turn:
   `RemoteAction._validate_action_result` calls `jsonschema.validate`, which checks the
   *schema itself* against the JSON Schema meta-schema on every call. Here the validator
   is built and the schema checked once; answers are validated exactly as before (same
   schema, same ValidationError with Rasa's message).
2. Every call to the action server opened a new aiohttp session and TCP connection
   (`EndpointConfig.session`). Here each endpoint keeps one session per event loop, with
   idle connections closed after 2 s (before Sanic's 5 s keep-alive closes them).
3. The SQLite tracker store opened a new connection for every query (SQLAlchemy 1.4's
   NullPool for SQLite files), and closing the last one checkpointed the log, and it waited
   for an fsync at every commit. Here its connections are pooled and use write-ahead
   logging with synchronous=NORMAL: a committed turn survives a crash of the process (the
   test kills Rasa with SIGKILL); only a power cut can lose the last turns. PostgreSQL
   (make stack) is not touched.

4. The intent classifier (scikit-learn's logistic regression on about 30,000 sparse
   features) copied its whole weight matrix on every message: `X @ coef_.T` with a
   row-major `coef_` makes SciPy convert the transposed view. Stored column-major after
   loading, the product reads it in place: 1.5 ms -> 0.04 ms per message, the same
   probabilities to the last bit.

5. A turn waiting for its conversation's lock could wait forever: Rasa's ticket lock lets
   every ticket expire `TICKET_LOCK_LIFETIME` after it was issued, including the ticket of
   a turn that is still waiting. When a replica dies mid-turn (make stack), its ticket
   and the waiting turn's ticket expire together, and an empty queue "serves" ticket 0, so
   the waiting turn never gets the lock (the channel's deadline then answers "taking too
   long" and the message is lost). Here a waiting turn renews its own ticket each time it
   polls, so only the tickets of processes that are gone expire.

Nothing here changes what a turn does; tests/test_rasa_server.py checks each patch.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from typing import Any, Dict, List, Optional, Tuple

_APPLIED = False
#: Seconds an idle connection to the action server is kept (Sanic closes it after 5).
KEEPALIVE_S = 2.0


def apply() -> None:
    """Install the patches (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    _compile_action_result_schema()
    _keep_action_sessions()
    _sqlite_wal_normal()
    _classifier_weights_by_column()
    _waiting_tickets_stay_alive()
    _APPLIED = True


def _compile_action_result_schema() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result


class _Borrowed:
    """`async with` on a shared session: hands it out, never closes it."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def _keep_action_sessions() -> None:
    import aiohttp
    from rasa.utils import endpoints

    original = endpoints.EndpointConfig.session
    sessions: Dict[Tuple[int, int], Tuple[Any, Any]] = {}

    def session(self: endpoints.EndpointConfig) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a coroutine: Rasa's own behaviour
            return original(self)
        key = (id(self), id(loop))
        kept = sessions.get(key)
        if kept is None or kept[1].closed or kept[0] is not self:
            # Rasa's session (same headers, auth and timeout) on a connector that keeps
            # connections open between turns
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
                if self.basic_auth else None
            shared = aiohttp.ClientSession(
                headers=self.headers, auth=auth,
                timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S, limit=100))
            kept = (self, shared)
            sessions[key] = kept
        return _Borrowed(kept[1])

    endpoints.EndpointConfig.session = session


def _sqlite_wal_normal() -> None:
    from rasa.core import tracker_store
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import QueuePool

    original = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = original(url)
        if str(url).startswith("sqlite") and ":memory:" not in str(url):
            # SQLAlchemy 1.4 opens and closes a file connection per session (NullPool);
            # closing the last one checkpoints the write-ahead log every turn
            kwargs.update(poolclass=QueuePool, pool_size=2, max_overflow=8,
                          connect_args={"check_same_thread": False})
        return kwargs

    tracker_store.create_engine_kwargs = create_engine_kwargs

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


def _classifier_weights_by_column() -> None:
    import numpy as np
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    original = LogisticRegressionClassifier.load.__func__

    def load(cls: Any, *args: Any, **kwargs: Any) -> Any:
        component = original(cls, *args, **kwargs)
        clf = getattr(component, "clf", None)
        if clf is not None and getattr(clf, "coef_", None) is not None:
            # scikit-learn multiplies by coef_.T; stored by column, that is contiguous
            clf.coef_ = np.asfortranarray(clf.coef_)
        return component

    LogisticRegressionClassifier.load = classmethod(load)


def _waiting_tickets_stay_alive() -> None:
    import time

    from rasa.core import lock_store
    from rasa.core.lock_store import LockError, LockStore, TicketLock

    async def _acquire_lock(self: LockStore, conversation_id: str, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            lock = self.get_lock(conversation_id)
            if lock:  # Rasa's update_lock, plus: this turn is alive, its ticket stays
                for waiting in lock.tickets:
                    if waiting.number == ticket:
                        waiting.expires = time.time() + lock_store.LOCK_LIFETIME
                lock.remove_expired_tickets()
                self.save_lock(lock)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    LockStore._acquire_lock = _acquire_lock


def main(argv: Optional[List[str]] = None) -> None:
    """Apply the patches, then hand the command line to Rasa's own entry point."""
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
