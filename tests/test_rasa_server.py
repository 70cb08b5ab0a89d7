"""bot.rasa_server's patches change cost, not behaviour: each is checked against Rasa's own
code path on real objects (a real aiohttp server, a real SQLite file, the trained model)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import EndpointConfig
from scipy import sparse
from sqlalchemy.pool import QueuePool

from bot import build, rasa_server
from bot.nlp.understanding import EmbeddingCascadeClassifier


def run_apart(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests, in the
    same pytest process) leaves an event loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()

rasa_server.apply()

VALID = {"events": [{"event": "slot", "name": "topic", "value": "bone", "timestamp": None}],
         "responses": [{"text": "hello", "buttons": []}]}


def test_action_answers_are_still_validated() -> None:
    action = RemoteAction("action_respond", None)
    assert action._validate_action_result(VALID) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_action_endpoint_keeps_one_session_and_connection() -> None:
    peers = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response(VALID)

    async def scenario() -> list:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
        try:
            answers = [await endpoint.request(json={"n": n}, method="post") for n in range(3)]
            same = endpoint.session().session is endpoint.session().session
        finally:
            await endpoint.session().session.close()
            await runner.cleanup()
        return [answers, same]

    answers, same = run_apart(scenario())
    assert answers == [VALID] * 3
    assert same
    assert len(set(peers)) == 1, f"one kept connection expected, saw {peers}"


def test_sqlite_tracker_store_is_pooled_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    assert isinstance(store.engine.pool, QueuePool)
    with store.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with sqlite3.connect(db) as other:  # the mode is the file's: every reader sees it
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _trained_cascade(tmp_path: Path) -> EmbeddingCascadeClassifier:
    """The shipped model's intent classifier, loaded the way Rasa loads it."""
    model = build.train()
    _, metadata = LocalModelStorage.from_model_archive(tmp_path, model)
    storage = LocalModelStorage(tmp_path)
    node = next(name for name in metadata.predict_schema.nodes
                if "EmbeddingCascadeClassifier" in name)
    config = metadata.predict_schema.nodes[node].config
    resource = metadata.predict_schema.nodes[node].resource
    assert isinstance(resource, Resource)
    context = ExecutionContext(GraphSchema({}), node_name=node)
    return EmbeddingCascadeClassifier.load(config, storage, resource, context)


@pytest.mark.model
def test_the_neighbour_vote_reads_the_stored_examples(tmp_path: Path) -> None:
    component = _trained_cascade(tmp_path)
    assert component.config["neighbour_weight"] > 0
    assert component.example_vectors.shape == (len(component.example_labels), 384)
    assert np.allclose(np.linalg.norm(component.example_vectors, axis=1), 1, atol=1e-4)
    # A training example's own vector: it is its own nearest neighbour, so the vote's top
    # intent is its label (the stored labels line up with clf.classes_).
    rows = np.arange(0, len(component.example_labels), 97)
    votes = component._neighbour_vote(component.example_vectors[rows])
    assert np.allclose(votes.sum(axis=1), 1)
    assert (votes.argmax(axis=1) == component.example_labels[rows]).mean() > 0.9
    contagious = component._vectors([Message(data={"text": "can my kids catch cancer from me if i hug them"})])
    assert component.clf.classes_[component._neighbour_vote(contagious).argmax()] == "contagious"


@pytest.mark.model
def test_classifier_weights_column_major_same_probabilities(tmp_path: Path) -> None:
    clf = _trained_cascade(tmp_path).clf
    assert clf.coef_.flags.f_contiguous
    rows = sparse.random(20, clf.coef_.shape[1], density=0.01, format="csr", random_state=7)
    patched = clf.predict_proba(rows)
    clf.coef_ = np.ascontiguousarray(clf.coef_)  # Rasa's layout
    assert np.allclose(patched, clf.predict_proba(rows), rtol=0, atol=1e-12)


def test_a_dead_turns_lock_expires_and_the_waiting_turn_goes_on() -> None:
    """A replica killed mid-turn leaves its ticket behind; the next turn for that
    conversation gets the lock once that ticket expires (Rasa's own loop waits forever)."""
    from rasa.core.lock_store import InMemoryLockStore

    store = InMemoryLockStore()
    store.issue_ticket("c1", 2)  # the dead turn's ticket: never cleaned up

    async def next_turn() -> float:
        started = time.monotonic()
        async with store.lock("c1", lock_lifetime=2, wait_time_in_seconds=0.2):
            return time.monotonic() - started

    waited = run_apart(asyncio.wait_for(next_turn(), timeout=8))
    assert 1.5 <= waited <= 4
    assert store.get_lock("c1") is None or not store.get_lock("c1").tickets  # released
