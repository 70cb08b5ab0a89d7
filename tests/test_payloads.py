"""Typed commands never wipe a conversation; our own button payloads still work."""

from __future__ import annotations

import pytest

from bot.payloads import is_command, neutralise, payload


@pytest.mark.parametrize("typed", ["/restart", "/stop", "/session_start", "/back", " /foo",
                                   "//restart", "/nlu_fallback", "/restart{\"x\": 1}"])
def test_commands_become_words(typed: str) -> None:
    assert is_command(typed)
    assert not neutralise(typed).startswith("/")


@pytest.mark.parametrize("ours", [payload("symptoms", "bone"), payload("greet"),
                                  payload("treatment", None, "breast"), "/follow_up"])
def test_our_payloads_pass_unchanged(ours: str) -> None:
    assert not is_command(ours)
    assert neutralise(ours) == ours


@pytest.mark.parametrize("text", ["what is 1/2", "and/or", "hello", ""])
def test_ordinary_text_is_untouched(text: str) -> None:
    assert neutralise(text) == text
