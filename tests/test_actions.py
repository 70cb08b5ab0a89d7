"""The actions, run in-process on real Rasa SDK trackers: the notice closes every path,
including a database that cannot be reached (which is also logged)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.actions
from actions.actions import ActionRespond
from bot.content.db import make_engine
from bot.content.loader import load_content
from bot.content.lookup import AnswerIndex
from bot.paths import CONTENT_DIR
from tests.contract import NOTICE


def tracker(text: str, intent: str, confidence: float = 0.95,
            entities: Optional[List[Dict[str, Any]]] = None, **slots: Any) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence},
               "entities": entities or [], "intent_ranking": [{"name": intent, "confidence": confidence}]}
    return Tracker("unit", {"topic": None, "site": None, "cancer_type": None, "answer_id": None, **slots},
                   message, [], False, None, {}, "rest")


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    # A thread of its own: other tests (Playwright) may leave an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        events = pool.submit(asyncio.run, action.run(dispatcher, t, {})).result()
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.fixture
def real_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AnswerIndex:
    engine = make_engine(f"sqlite:///{tmp_path / 'content.db'}")
    load_content(engine, CONTENT_DIR)
    index = AnswerIndex(engine)
    monkeypatch.setattr(actions.actions, "default_index", lambda: index)
    return index


@pytest.mark.parametrize("text,intent,topic", [
    ("what is metastasis", "what_is_metastasis", "what_is_metastasis"),
    ("should i stop my chemo", "personal_advice", "personal_advice"),
    ("what's the weather", "out_of_scope", "out_of_scope"),
    ("hi", "greet", None),
    ("hmm", "nlu_fallback", "clarify"),
    ("", "what_is_metastasis", "clarify"),
    ("!!! ???", "symptoms", "clarify"),
    ("¿qué es la metástasis y cómo se trata?", "what_is_metastasis", "out_of_scope"),
    ("转移是什么意思", "what_is_metastasis", "out_of_scope"),
    ("was ist eine Metastase und ist das schlimm", "what_is_metastasis", "out_of_scope"),
    ("tell me about gout", "follow_up", "clarify"),
    ("my dad is coughing up blood right now", "symptoms", "emergency"),
    ("i want to end my life", "support", "crisis"),
])
def test_every_path_ends_with_the_notice(real_index, text, intent, topic) -> None:
    messages, slots = run(ActionRespond(), tracker(text, intent))
    assert messages[-1]["text"].endswith(NOTICE)
    assert slots["topic"] == topic


def test_long_message_is_capped_and_the_user_is_told(real_index) -> None:
    messages, slots = run(ActionRespond(), tracker("what is metastasis " * 800, "what_is_metastasis"))
    assert messages[-1]["text"].startswith("Your message was very long")
    assert slots["topic"] == "what_is_metastasis"


def test_database_down_gives_a_kind_message_and_logs(monkeypatch, caplog) -> None:
    broken = AnswerIndex(make_engine("sqlite:////nonexistent-dir/content.db"))
    monkeypatch.setattr(actions.actions, "default_index", lambda: broken)
    with caplog.at_level(logging.ERROR):
        messages, slots = run(ActionRespond(), tracker("what is metastasis", "what_is_metastasis"))
    text = messages[-1]["text"]
    assert "can't reach my library" in text and text.endswith(NOTICE)
    assert slots["answer_id"] is None
    assert "content database unreachable" in caplog.text


def socketio_tracker(text: str, intent: str, metadata: Dict[str, Any]) -> Tracker:
    t = tracker(text, intent)
    t.latest_message["metadata"] = metadata
    t.latest_input_channel = "socketio"
    t.events = [{"event": "user", "input_channel": "socketio", "parse_data": t.latest_message}]
    return t


def test_socketio_client_that_asks_gets_a_meta_message_before_the_text(real_index) -> None:
    messages, _ = run(ActionRespond(), socketio_tracker("i want to end my life", "crisis", {"reply_meta": True}))
    assert messages[0]["custom"]["data"]["meta"]["urgency"] == "crisis"
    assert messages[0]["custom"]["data"]["meta"]["notice"] == NOTICE
    assert messages[-1]["text"].endswith(NOTICE) and messages[-1]["buttons"] == []


@pytest.mark.parametrize("metadata", [{}, {"reply_meta": "yes"}, {"customData": {"language": "en"}}])
def test_other_socketio_clients_get_no_meta_message(real_index, metadata) -> None:
    """rasa-webchat and other standard clients do not know the meta message: never send it to them."""
    messages, _ = run(ActionRespond(), socketio_tracker("i want to end my life", "crisis", metadata))
    assert [m for m in messages if m.get("custom")] == []
    assert len(messages) == 1 and messages[0]["text"].endswith(NOTICE)
