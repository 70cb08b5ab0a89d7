"""Every served answer is plain language (textstat), cited, safe, and covers the contract.

Texts are measured as a reader sees them: placeholders filled for the default region
(`international`), so a long help-line block counts against the reading grade too.
"""

from __future__ import annotations

import re
import statistics

import pytest
import textstat

from bot.content.loader import read_content_dir
from bot.content.placeholders import PLACEHOLDER, expand, red_flag_lists
from bot.paths import CONTENT_DIR
from bot.settings import REGIONS
from bot.vocabulary import CONTENT_KEYS, EDUCATION_TOPICS, KEYED_CANCER_TYPES, NOTE_KEYS
from tests.contract import NOTICE

APPROVED = [e for e in read_content_dir(CONTENT_DIR) if e.status == "approved"]
BY_ID = {e.id: e for e in APPROVED}
KEYS = {e.key for e in APPROVED}
MAX_GRADE = 8.0
MAX_MEDIAN_GRADE = 6.5
DEFAULT_REGION = "international"

#: Emergency and crisis numbers are written only through placeholders (data/helplines.yml).
HARD_CODED_NUMBER = re.compile(r"\b(911|999|988|000|112)\b|\b116\s?123\b")
#: Entries that must show the whole shared urgent list.
MUST_SHOW_URGENT = ("emergency", "when_to_see_doctor", "symptoms", "symptoms.bone")
#: A heading that introduces an urgent list ("Get help now for any of these:").
URGENT_HEADING = re.compile(r"get help now[^\n]*:\s*$", re.IGNORECASE)


def plain(text: str) -> str:
    """Markdown out, placeholders filled: the words a reader reads."""
    text = expand(text, DEFAULT_REGION)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return re.sub(r"^\s*- ", "", text.replace("**", ""), flags=re.MULTILINE)


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(plain(text))


@pytest.mark.parametrize("entry", APPROVED, ids=lambda e: e.id)
def test_answer_reads_at_grade_8_or_lower(entry) -> None:
    assert grade(entry.text) <= MAX_GRADE


def test_median_grade_is_6_5_or_lower() -> None:
    grades = [grade(e.text) for e in APPROVED]
    print(f"readability: n={len(grades)} max={max(grades):.1f} median={statistics.median(grades):.1f}")
    assert statistics.median(grades) <= MAX_MEDIAN_GRADE


def test_placeholders_expand_for_every_region() -> None:
    for region in REGIONS:
        leftovers = [e.id for e in APPROVED if PLACEHOLDER.search(expand(e.text, region))]
        assert leftovers == [], region


def test_no_answer_writes_the_notice_itself() -> None:
    assert not [e.id for e in APPROVED if NOTICE[:40] in e.text]


def test_no_entry_hard_codes_an_emergency_or_crisis_number() -> None:
    found = {e.id: HARD_CODED_NUMBER.findall(e.text) for e in APPROVED}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_shared_urgent_list_is_shown_where_it_must_be() -> None:
    assert [i for i in MUST_SHOW_URGENT if "{{red_flags.urgent}}" not in BY_ID[i].text] == []


@pytest.mark.parametrize("entry", APPROVED, ids=lambda e: e.id)
def test_every_urgent_list_is_the_shared_one(entry) -> None:
    """A "Get help now ...:" heading is followed by the shared list, never by a copy."""
    lines = [line.strip() for line in entry.text.splitlines() if line.strip()]
    for i, line in enumerate(lines[:-1]):
        if URGENT_HEADING.search(line.replace("**", "")):
            assert lines[i + 1] == "{{red_flags.urgent}}", line


def test_no_entry_copies_a_red_flag_item() -> None:
    items = [item for body in red_flag_lists().values() for item in body]
    copies = [(e.id, item) for e in APPROVED for item in items if item in e.text]
    assert copies == []


def test_soft_signs_alone_are_not_on_the_urgent_list() -> None:
    soft = ("constipation", "thirst", "feeling sick")
    assert [i for i in red_flag_lists()["urgent"] if any(s in i.lower() for s in soft)] == []


def test_fever_on_treatment_has_a_threshold_in_the_urgent_list() -> None:
    fever = [i for i in red_flag_lists()["urgent"] if "38" in i]
    assert len(fever) == 1 and "100.4" in fever[0] and "immunotherapy" in fever[0]


def test_no_medicine_to_prevent_seizures() -> None:
    assert [e.id for e in APPROVED if re.search(r"prevent (a )?seizures?", e.text, re.I)] == []


def test_confusion_is_never_a_same_day_matter() -> None:
    sentences = [(e.id, s) for e in APPROVED for s in re.split(r"(?<=[.!?])\s+", e.text)]
    bad = [(i, s) for i, s in sentences
           if "same day" in s.lower() and re.search(r"confus|sleepy|drows", s, re.I)]
    assert bad == []


def test_high_calcium_is_not_blamed_on_bone_spread_alone() -> None:
    calcium = [e for e in APPROVED if e.topic == "complications" and "calcium" in e.text]
    assert calcium and all("without" in e.text for e in calcium), [e.id for e in calcium]


def test_emergency_entry_does_not_open_with_a_call_instruction() -> None:
    """The reply layer puts the opening (danger, who to call) before this general text."""
    assert not re.match(r"(please )?call\b", BY_ID["emergency"].text, re.IGNORECASE)


def test_skin_cancer_note_says_most_rarely_spread() -> None:
    note = BY_ID["cancer_note.skin_cancer"].text.lower()
    assert "basal cell" in note and "squamous cell" in note and "rarely spread" in note
    assert "melanoma" in note


def test_every_content_key_has_a_general_approved_answer() -> None:
    missing = [k for k in CONTENT_KEYS if (k, None, None) not in KEYS and k != "clarify"
               and k not in NOTE_KEYS]
    assert (("clarify", None, None) in KEYS, missing) == (True, [])


@pytest.mark.parametrize("topic", ["symptoms", "diagnosis", "treatment", "complications",
                                   "what_is_metastasis", "prognosis"])
@pytest.mark.parametrize("site", ["bone", "liver", "lung", "brain", "lymph_nodes"])
def test_site_variants_exist(topic: str, site: str) -> None:
    assert (topic, site, None) in KEYS


@pytest.mark.parametrize("topic", ["common_sites", "propensity"])
@pytest.mark.parametrize("cancer_type", sorted(KEYED_CANCER_TYPES))
def test_cancer_type_variants_exist(topic: str, cancer_type: str) -> None:
    assert (topic, None, cancer_type) in KEYS


@pytest.mark.parametrize("key", [("prognosis", None, "pancreatic"), ("prognosis", None, "esophageal"),
                                 ("prognosis", None, "lung"), ("staging", None, "thyroid")])
def test_type_specific_entries_the_review_asked_for_exist(key) -> None:
    assert key in KEYS


def test_no_source_is_the_cancer_types_index_page() -> None:
    index = [e.id for e in APPROVED for s in e.sources
             if s.url.rstrip("/") in ("https://www.cancer.gov/types", "http://www.cancer.gov/types")]
    assert index == []


@pytest.mark.parametrize("entry", [e for e in APPROVED if e.topic in EDUCATION_TOPICS],
                         ids=lambda e: e.id)
def test_education_answers_offer_two_or_three_follow_ups(entry) -> None:
    assert 2 <= len(entry.follow_ups) <= 3
