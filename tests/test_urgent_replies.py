"""Urgent and crisis replies: the danger first, then who to call, for the right region.

Unit tests (no model, no server): the composition in bot/urgent.py over the real reviewed
data files (data/helplines.yml, data/safety/urgent_replies.yml) and the real content
entries loaded into an in-memory SQLite database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Tuple

import pytest

from bot import helplines
from bot.content.lookup import ServedAnswer
from bot.content.placeholders import expand, unknown_names
from bot.replies import render
from bot.urgent import compose, lines

#: Each region's emergency numbers (Ireland answers both 112 and 999).
EMERGENCY_NUMBERS = {"US": {"911"}, "CA": {"911"}, "UK": {"999"}, "IE": {"112", "999"},
                     "AU": {"000"}}


@dataclass(frozen=True)
class Condition:
    key: str
    opening: str
    time_critical: bool
    sources: Tuple[Tuple[str, str], ...] = ()
    opening_someone_else: str = ""


@dataclass(frozen=True)
class Flag:
    topic: str
    condition: str
    someone_else: bool = False


def _entry(topic: str, text: str) -> ServedAnswer:
    import datetime as dt

    return ServedAnswer(id=topic, topic=topic, site=None, cancer_type=None, text=text,
                        sources=(), follow_ups=(), reviewed_by="content editor (project team)",
                        reviewed_on=dt.date(2026, 11, 30), version=1)


LEGS = Condition("spinal_cord_compression", "Numb legs can mean pressure on the spinal cord.",
                 True, (("NICE NG234", "https://www.nice.org.uk/guidance/ng234"),))
CALCIUM = Condition("high_calcium", "Very thirsty and confused can mean high calcium.", False)


def test_the_danger_comes_first_then_who_to_call() -> None:
    reply = compose(Flag("emergency", LEGS.key), LEGS, _entry("emergency", "GENERAL LIST"),
                    None, None)
    text = render(reply, "UK")
    assert text.index("spinal cord") < text.index("999") < text.index("GENERAL LIST")
    assert reply.topic == "emergency" and reply.urgency == "emergency"
    assert "https://www.nice.org.uk/guidance/ng234" in text  # the condition's source


def test_time_critical_signs_name_only_the_emergency_number() -> None:
    text = render(compose(Flag("emergency", LEGS.key), LEGS, _entry("emergency", "x"), None,
                          None), "US")
    opening_and_call = text.split("\n\n")[1]
    assert "911" in opening_and_call and "care team" not in opening_and_call


def test_other_urgent_signs_call_the_care_team_with_a_way_out() -> None:
    text = render(compose(Flag("emergency", CALCIUM.key), CALCIUM, _entry("emergency", "x"),
                          None, None), "UK")
    call = text.split("\n\n")[1]
    assert "24-hour" in call and "NHS 111" in call and "999" in call


@pytest.mark.parametrize("region", sorted(EMERGENCY_NUMBERS))
def test_each_region_gets_its_own_number_and_no_other(region: str) -> None:
    text = render(compose(Flag("emergency", LEGS.key), LEGS, _entry("emergency", "x"), None,
                          None), region)
    assert all(number in text for number in EMERGENCY_NUMBERS[region])
    others = set().union(*EMERGENCY_NUMBERS.values()) - EMERGENCY_NUMBERS[region]
    assert not [n for n in others if re.search(rf"\b{n}\b", text)], text


def test_the_default_region_names_the_main_numbers_side_by_side() -> None:
    text = render(compose(Flag("emergency", LEGS.key), LEGS, _entry("emergency", "x"), None,
                          None), "international")
    for number in ("911", "999", "112", "000"):
        assert number in text


def test_crisis_for_someone_else_speaks_to_the_carer() -> None:
    crisis = Condition("self_harm", "I'm so glad you told me.", True)
    entry = _entry("crisis", "{{crisis_lines}}")
    for_carer = render(compose(Flag("crisis", "self_harm", True), crisis, entry, None, None),
                       "international")
    for_self = render(compose(Flag("crisis", "self_harm", False), crisis, entry, None, None),
                      "international")
    assert "stay with them" in for_carer and "stay with them" not in for_self
    for line in ("988", "116 123", "13 11 14", "findahelpline"):
        assert line in for_carer
    assert compose(Flag("crisis", "self_harm"), crisis, entry, None, None).buttons == ()


def test_reviewed_lines_use_only_known_placeholders() -> None:
    for text in vars(lines()).values():
        assert unknown_names(text) == []
        assert "{{" not in expand(text, "UK")


def test_every_region_is_complete_and_sourced() -> None:
    table = helplines.load()
    assert set(table) >= {"international", "US", "CA", "UK", "IE", "AU"}
    for region in table.values():
        assert region.crisis_lines and region.sources and region.banner


def test_a_broken_helplines_file_is_refused_with_its_name(tmp_path) -> None:
    bad = tmp_path / "helplines.yml"
    bad.write_text("status: approved\nreviewed_by: editor\nreviewed_on: 2026-11-30\n"
                   "regions:\n  international:\n    name: x\n", encoding="utf-8")
    with pytest.raises(helplines.HelplineError, match="helplines.yml"):
        helplines.load(bad)


# ---- with the real safety layer: every condition it can raise has a complete reply ----

def test_every_condition_opens_and_calls_in_every_region() -> None:
    from bot import safety

    for key in safety.conditions():
        condition = safety.condition(key)
        topic = "crisis" if key == "self_harm" else "emergency"
        for someone_else in (False, True):
            reply = compose(Flag(topic, key, someone_else), condition, _entry(topic, "LIST"),
                            None, None)
            for region in ("international", "UK", "US"):
                text = render(reply, region)
                assert text.startswith((someone_else and condition.opening_someone_else)
                                       or condition.opening)
                assert "{{" not in text
                if topic == "crisis" and someone_else:  # carers get lines for them instead
                    line = "116 123" if region == "UK" else "988"
                    assert "stay with them" in text and line in text and "LIST" not in text
                else:
                    assert "LIST" in text
                if topic == "emergency" and condition.time_critical:
                    assert "care team" not in text.split("\n\n")[1], key
