"""The test stories, replayed against the real running assistant over HTTP.

`rasa test` checks each story's intents, entities and actions, but it does not run the
custom action, so it cannot see what was answered. Here every story of
tests/test_stories.yml is sent turn by turn to the REST channel (a button step is sent as
its payload) and the slots after each turn must be the story's `slot_was_set` values;
every turn must end with the notice.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import requests
import yaml

from bot.payloads import payload

STORIES = Path(__file__).parent / "test_stories.yml"
NOTICE_START = "This information is educational only"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}")

Turn = Tuple[str, Dict[str, Any]]


def _message(step: Dict[str, Any]) -> str:
    """The text a person typed (annotations removed), or the payload a button sends."""
    if "user" in step:
        return _ANNOTATION.sub(r"\1", step["user"]).strip()
    entities = {k: v for e in step.get("entities") or [] for k, v in e.items()}
    return payload(step["intent"], entities.get("site"), entities.get("cancer_type"))


def conversations() -> List[Tuple[str, List[Turn]]]:
    """(story name, [(message, expected slots)]) for every story."""
    found = []
    for story in yaml.safe_load(STORIES.read_text())["stories"]:
        turns: List[Turn] = []
        for step in story["steps"]:
            if "user" in step or "intent" in step:
                turns.append((_message(step), {}))
            elif "slot_was_set" in step:
                for item in step["slot_was_set"]:
                    turns[-1][1].update(item)
        found.append((story["story"], turns))
    return found


def test_there_are_at_least_30_stories() -> None:
    assert len(conversations()) >= 30


@pytest.mark.server
@pytest.mark.parametrize("name,turns", conversations(), ids=[n for n, _ in conversations()])
def test_story_sets_the_expected_slots(server, name: str, turns: List[Turn]) -> None:
    sender = f"story-{uuid.uuid4().hex[:10]}"
    for number, (text, expected) in enumerate(turns, 1):
        messages = requests.post(f"{server.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": text}, timeout=60).json()
        texts = [m["text"] for m in messages if m.get("text")]
        assert texts and NOTICE_START in texts[-1], f"turn {number} {text!r}: no notice"
        slots = requests.get(f"{server.url}/conversations/{sender}/tracker",
                             params={"token": server.token}, timeout=30).json()["slots"]
        got = {k: slots.get(k) for k in expected}
        assert got == expected, f"turn {number} {text!r}: {json.dumps(got)}"
