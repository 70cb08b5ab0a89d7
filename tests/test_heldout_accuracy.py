"""The team's held-out questions, asked of the real running assistant: a broad drop in
understanding fails here, not only in `make evaluate`.

tests/heldout/patient_questions.tsv was written by the team before tuning, in patients'
words, and is never trained on (rows that also appear in the training data are dropped
before scoring). The floors are bot.evaluation.FLOORS, set from the figures measured on
2026-11-30 minus a margin for retraining noise.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from bot.conversation_scoring import CONVERSATION_FLOORS, CONVERSATIONS, score_conversations
from bot.evaluation import FLOORS, HELDOUT, _figures, _norm, training_texts

NOTICE_START = "This information is educational only"


def rows() -> List[Dict[str, str]]:
    trained = training_texts()
    with HELDOUT.open(newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if _norm(r["question"]) not in trained]


def test_the_heldout_set_is_big_enough_and_untrained() -> None:
    assert len(rows()) >= 200


@pytest.mark.server
def test_heldout_accuracy_is_above_the_floors(server) -> None:
    topic = site = site_n = kind = kind_n = notice = 0
    misses = []
    questions = rows()
    for row in questions:
        sender = f"heldout-{uuid.uuid4().hex[:10]}"
        messages = requests.post(f"{server.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": row["question"]}, timeout=60).json()
        slots = requests.get(f"{server.url}/conversations/{sender}/tracker",
                             params={"token": server.token}, timeout=30).json()["slots"]
        texts = [m["text"] for m in messages if m.get("text")]
        notice += bool(texts) and NOTICE_START in texts[-1]
        hit = slots.get("topic") in row["accept_topics"].split("|")
        topic += hit
        if not hit:
            misses.append(f"{slots.get('topic')} for {row['question'][:70]}")
        if row["site"]:
            site_n += 1
            site += slots.get("site") == row["site"]
        if row["cancer_type"]:
            kind_n += 1
            kind += slots.get("cancer_type") == row["cancer_type"]
    n = len(questions)
    figures = {"topic_acc": topic / n, "site_acc": site / max(1, site_n),
               "type_acc": kind / max(1, kind_n), "notice": notice / n}
    assert all(figures[k] >= floor for k, floor in FLOORS.items()), (figures, misses)


def test_the_heldout_conversations_are_many_turns_and_untrained() -> None:
    trained = training_texts()
    with CONVERSATIONS.open(newline="") as f:
        turns = list(csv.DictReader(f, delimiter="\t"))
    assert len({r["conv"] for r in turns}) >= 15
    assert not [r["message"] for r in turns if r["accept_topics"] != "-"
                and _norm(r["message"]) in trained]


@pytest.mark.server
def test_heldout_conversations_are_above_the_floors(server) -> None:
    """tests/heldout/conversations.tsv, turn by turn: follow-ups, corrections, carers."""
    line, misses = score_conversations(server.url, server.token or "", CONVERSATIONS)
    figures = _figures(line)
    assert all(figures.get(k, 0) >= floor for k, floor in CONVERSATION_FLOORS.items()), (
        line, misses)


def test_the_shared_dev_questions_and_conversations_are_not_training_data() -> None:
    """The shared dev set scores the assistant; a dev question or conversation turn copied
    into data/ (a helper's batch once held "what are bone mets") would make it a test of
    memory. Needs ../shared beside the project, as on the team's machines."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "eval"
    if not shared.is_dir():
        pytest.skip("../shared/eval is not beside this checkout")
    trained = training_texts()
    with (shared / "dev_questions.tsv").open(newline="", encoding="utf-8") as f:
        asked = [r["question"] for r in csv.DictReader(f, delimiter="\t")]
    with (shared / "dev_conversations.tsv").open(newline="", encoding="utf-8") as f:
        asked += [r["message"] for r in csv.DictReader(f, delimiter="\t") if r.get("message")]
    assert len(asked) > 100
    # "hello" and "thank you" are everyone's words; the hook in ../shared checks the same way.
    assert [q for q in asked if len(q) > 15 and _norm(q) in trained] == []
