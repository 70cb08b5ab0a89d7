"""The one log line per turn: keys and numbers a maintainer can follow, never the text."""

from __future__ import annotations

import logging

import pytest

from bot.context import Turn
from bot.logs import hash_id
from bot.replies import Reply
from bot.turn_log import line, log_turn

SECRET = "my-very-private-words-about-my-body"


def _turn() -> Turn:
    return Turn(raw_text=SECRET, text=SECRET, intent="symptoms", confidence=0.874,
                ranking=(("symptoms", 0.874),), sites=("bone",), cancer_types=())


def test_the_line_names_every_field_and_no_text() -> None:
    reply = Reply("answer text", "symptoms", "bone", None, answer_id="symptoms.bone",
                  answer_version=2)
    text = line("conversation-42", _turn(), reply, 3.14159)
    assert text == (f"turn.done conversation={hash_id('conversation-42')} intent=symptoms "
                    "confidence=0.87 topic=symptoms site=bone cancer_type=- "
                    "answer=symptoms.bone version=2 safety=- latency_ms=3.1")
    assert SECRET not in text and "conversation-42" not in text


def test_urgent_turns_carry_their_condition(caplog: pytest.LogCaptureFixture) -> None:
    reply = Reply("call now", "emergency", answer_id="emergency", answer_version=3,
                  urgency="emergency", safety_condition="spinal_cord_compression")
    with caplog.at_level(logging.INFO, logger="bot.turn"):
        log_turn("c1", _turn(), reply, 1.0)
    assert "safety=spinal_cord_compression" in caplog.text and "topic=emergency" in caplog.text
