"""One place per key: the domain's intents and the rules follow bot/vocabulary.py.

`make` regenerates them (bot/rasa_files.py); these tests name what is out of line when
someone edits domain.yml or adds NLU examples for an intent the vocabulary lacks.
"""

from __future__ import annotations

import yaml

from bot import rasa_files
from bot.paths import DATA
from bot.vocabulary import EDUCATION_TOPIC_LABELS, EDUCATION_TOPICS, INTENTS


def test_domain_lists_exactly_the_vocabularys_intents() -> None:
    domain = yaml.safe_load(rasa_files.DOMAIN.read_text(encoding="utf-8"))
    listed = domain["intents"]
    assert listed == INTENTS, (f"missing from domain.yml: {sorted(set(INTENTS) - set(listed))}; "
                               f"not in the vocabulary: {sorted(set(listed) - set(INTENTS))} "
                               "(run `make train` to regenerate)")


def test_generated_rules_answer_every_intent_with_the_one_action() -> None:
    rules = yaml.safe_load(rasa_files.rules_text(INTENTS))["rules"]
    covered = {r["steps"][0]["intent"] for r in rules}
    assert covered == set(INTENTS) | {rasa_files.FALLBACK_INTENT}
    assert {r["steps"][1]["action"] for r in rules} == {"action_respond"}


def test_every_nlu_intent_is_in_the_vocabulary() -> None:
    found = set()
    for path in (DATA / "nlu").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in item:
                found.add(item["intent"])
    assert found <= set(INTENTS), f"NLU intents not in bot/vocabulary.py: {sorted(found - set(INTENTS))}"
    assert set(INTENTS) <= found, f"intents without NLU examples: {sorted(set(INTENTS) - found)}"


def test_every_education_topic_has_a_button_label() -> None:
    assert EDUCATION_TOPICS and all(EDUCATION_TOPIC_LABELS[t].strip() for t in EDUCATION_TOPICS)


def test_domain_markers_are_required() -> None:
    import pytest

    with pytest.raises(ValueError, match="markers"):
        rasa_files.domain_text("version: '3.1'\nintents:\n  - greet\n", INTENTS)
