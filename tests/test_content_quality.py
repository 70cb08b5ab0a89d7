"""Every served answer is plain language (textstat), cited, and covers the contract."""

from __future__ import annotations

import statistics

import pytest
import textstat

from bot.content.loader import read_content_dir
from bot.notice import NOTICE
from bot.paths import CONTENT_DIR
from bot.vocabulary import CONTENT_KEYS, EDUCATION_TOPICS, KEYED_CANCER_TYPES, NOTE_KEYS

APPROVED = [e for e in read_content_dir(CONTENT_DIR) if e.status == "approved"]
KEYS = {e.key for e in APPROVED}
MAX_GRADE = 8.0
MAX_MEDIAN_GRADE = 6.5


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text.replace("**", "").replace("- ", ""))


@pytest.mark.parametrize("entry", APPROVED, ids=lambda e: e.id)
def test_answer_reads_at_grade_8_or_lower(entry) -> None:
    assert grade(entry.text) <= MAX_GRADE


def test_median_grade_is_6_5_or_lower() -> None:
    grades = [grade(e.text) for e in APPROVED]
    print(f"readability: n={len(grades)} max={max(grades):.1f} median={statistics.median(grades):.1f}")
    assert statistics.median(grades) <= MAX_MEDIAN_GRADE


def test_no_answer_writes_the_notice_itself() -> None:
    assert not [e.id for e in APPROVED if NOTICE[:40] in e.text]


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


@pytest.mark.parametrize("entry", [e for e in APPROVED if e.topic in EDUCATION_TOPICS],
                         ids=lambda e: e.id)
def test_education_answers_offer_two_or_three_follow_ups(entry) -> None:
    assert 2 <= len(entry.follow_ups) <= 3
