"""End to end over HTTP: the real model, action server and database answer conversations
with the right slots, sources and the notice (contract sections 1 and 2)."""

from __future__ import annotations

import pytest

from bot.content.loader import read_content_dir
from bot.paths import CONTENT_DIR
from bot.payloads import payload
from bot.vocabulary import NOTE_KEYS, SMALLTALK_KEYS
from tests.helpers import chat, ends_with_notice, last_text, new_sender, slots

pytestmark = pytest.mark.server


def test_what_is_metastasis_then_bones_carries_the_topic(server) -> None:
    sender = new_sender()
    first = chat(server, sender, "what is metastasis")
    assert ends_with_notice(first)
    assert "https://" in last_text(first)  # the sources are in the answer
    state = slots(server, sender)
    assert state["topic"] == "what_is_metastasis" and state["answer_id"] == "what_is_metastasis"

    second = chat(server, sender, "and what about the bones?")
    state = slots(server, sender)
    assert ends_with_notice(second)
    assert (state["topic"], state["site"], state["answer_id"]) == (
        "what_is_metastasis", "bone", "what_is_metastasis.bone")


def test_how_is_that_treated_keeps_the_site(server) -> None:
    sender = new_sender()
    chat(server, sender, "symptoms of liver mets")
    assert slots(server, sender)["site"] == "liver"
    reply = chat(server, sender, "how is that treated?")
    state = slots(server, sender)
    assert ends_with_notice(reply)
    assert (state["topic"], state["site"], state["answer_id"]) == ("treatment", "liver", "treatment.liver")


def test_what_about_prostate_cancer_switches_the_cancer_type(server) -> None:
    sender = new_sender()
    chat(server, sender, "where does breast cancer usually spread to")
    assert slots(server, sender)["cancer_type"] == "breast"
    chat(server, sender, "what about prostate cancer?")
    state = slots(server, sender)
    assert (state["topic"], state["cancer_type"], state["answer_id"]) == (
        "common_sites", "prostate", "common_sites.prostate")


def test_site_and_cancer_type_together(server) -> None:
    sender = new_sender()
    reply = chat(server, sender, "my mum's colon cancer has gone to her liver, what symptoms should we expect")
    state = slots(server, sender)
    assert ends_with_notice(reply)
    assert (state["topic"], state["site"], state["cancer_type"]) == ("symptoms", "liver", "colorectal")
    assert state["answer_id"] == "symptoms.liver"


def test_answer_shows_sources_and_review_status(server) -> None:
    reply = chat(server, new_sender(), "how is spread found? what scans are used")
    text = last_text(reply)
    assert "**Sources:**" in text and "](https://" in text
    assert "approved" in text and "content editor" in text


def test_small_talk_resets_topic_and_answer_id(server) -> None:
    sender = new_sender()
    chat(server, sender, "what are the signs that cancer has spread to the brain")
    assert slots(server, sender)["topic"] == "symptoms"
    reply = chat(server, sender, "thank you so much")
    state = slots(server, sender)
    assert ends_with_notice(reply)
    assert state["topic"] is None and state["answer_id"] is None
    assert state["site"] == "brain"  # context carries over small talk


@pytest.mark.parametrize("text", ["hello", "are you a real doctor?", "bye"])
def test_small_talk_ends_with_notice(server, text: str) -> None:
    sender = new_sender()
    reply = chat(server, sender, text)
    assert ends_with_notice(reply)
    assert slots(server, sender)["topic"] is None


def test_answers_offer_follow_up_buttons_that_work(server) -> None:
    sender = new_sender()
    reply = chat(server, sender, "what is metastasis")
    buttons = [b for m in reply for b in m.get("buttons", [])]
    assert 2 <= len(buttons) <= 3
    follow = chat(server, sender, buttons[0]["payload"])
    assert ends_with_notice(follow)
    assert slots(server, sender)["topic"] == buttons[0]["payload"][1:].split("{")[0]


def test_gibberish_asks_a_clarifying_question_with_choices(server) -> None:
    sender = new_sender()
    reply = chat(server, sender, "qwzx plorb vintage trombone")
    state = slots(server, sender)
    assert ends_with_notice(reply)
    assert state["topic"] == "clarify" and state["answer_id"] == "clarify"
    buttons = [b for m in reply for b in m.get("buttons", [])]
    assert 2 <= len(buttons) <= 4


APPROVED = [e for e in read_content_dir(CONTENT_DIR)
            if e.status == "approved"
            and e.topic not in SMALLTALK_KEYS + NOTE_KEYS + ["emergency", "crisis", "clarify"]]


def test_every_approved_answer_is_served_with_the_notice(server) -> None:
    """Walks every vetted answer through the real server by its button payload."""
    failures = []
    for entry in APPROVED:
        sender = new_sender()
        reply = chat(server, sender, payload(entry.topic, entry.site, entry.cancer_type))
        state = slots(server, sender)
        if not ends_with_notice(reply) or state["answer_id"] != entry.id:
            failures.append((entry.id, state["answer_id"], last_text(reply)[-80:]))
    assert failures == []
