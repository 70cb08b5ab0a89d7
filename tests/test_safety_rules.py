"""Unit tests of the rule-based safety layer (bot/nlp/safety.py), no server needed.

The red-team tables in tests/redteam/ are the held-out test: the NLU training data must
not copy them. Emergency and crisis rows must be caught by the rules alone
(assess(text, None, 0.0)), so the safety of a message never hangs on the classifier.
"""

from __future__ import annotations

import statistics
import time
from typing import List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlp import safety
from bot.nlp.safety import SafetyFlag, assess, detect
from tests.helpers import redteam_rows

URGENT = {"emergency", "crisis"}
CONDITIONS = {
    "spinal_cord_compression", "high_calcium", "svc_syndrome", "brain_pressure",
    "chest_pain", "breathing", "bleeding", "fever_chemo", "fainting",
}


EMERGENCY_ROWS = redteam_rows("emergency.tsv")
ADVICE_ROWS = redteam_rows("advice_scope.tsv")


def _id(row: Tuple[str, str]) -> str:
    return f"{row[1]}:{row[0][:50]}"


# ---- the tables themselves ------------------------------------------------------------


def test_tables_are_big_enough_and_well_formed() -> None:
    urgent = [m for m, e in EMERGENCY_ROWS if e in URGENT]
    crisis = [m for m, e in EMERGENCY_ROWS if e == "crisis"]
    calm = [m for m, e in EMERGENCY_ROWS if e == "not_emergency"]
    assert len(EMERGENCY_ROWS) >= 70
    assert len(urgent) >= 45 and len(crisis) >= 8 and len(calm) >= 20
    assert {e for _, e in EMERGENCY_ROWS} <= URGENT | {"not_emergency"}
    assert len(ADVICE_ROWS) >= 45
    assert {e for _, e in ADVICE_ROWS} == {"personal_advice", "out_of_scope"}
    messages = [m.lower() for m, _ in EMERGENCY_ROWS + ADVICE_ROWS]
    assert len(messages) == len(set(messages)), "duplicate rows"


def test_every_red_flag_condition_is_covered() -> None:
    """Each row of the red-flag table in content-sources.md has phrasings in the table."""
    found = set()
    for message, expect in EMERGENCY_ROWS:
        flag = detect(message)
        if expect == "emergency" and flag is not None:
            found.add(flag.condition)
    assert CONDITIONS <= found, f"no row flagged as {sorted(CONDITIONS - found)}"


# ---- table-driven: the rules alone ---------------------------------------------------------


@pytest.mark.parametrize("row", EMERGENCY_ROWS, ids=[_id(r) for r in EMERGENCY_ROWS])
def test_emergency_table_by_rules_alone(row: Tuple[str, str]) -> None:
    message, expect = row
    flag = assess(message, None, 0.0)
    if expect in URGENT:
        assert flag is not None, f"missed {expect}: {message!r}"
        assert flag.topic == expect, f"{message!r} -> {flag}"
        assert flag.phrase
    else:
        assert flag is None, f"false alarm: {message!r} -> {flag}"


@pytest.mark.parametrize("row", ADVICE_ROWS, ids=[_id(r) for r in ADVICE_ROWS])
def test_advice_and_out_of_scope_never_trigger(row: Tuple[str, str]) -> None:
    assert detect(row[0]) is None


def test_recall_and_false_trigger_rate(capsys: pytest.CaptureFixture) -> None:
    """The figures to report: recall on urgent rows, false triggers on calm rows."""
    urgent = [(m, e) for m, e in EMERGENCY_ROWS if e in URGENT]
    calm = [m for m, e in EMERGENCY_ROWS if e not in URGENT] + [m for m, _ in ADVICE_ROWS]
    caught = sum(1 for m, e in urgent if (f := detect(m)) is not None and f.topic == e)
    false = sum(1 for m in calm if detect(m) is not None)
    recall, false_rate = caught / len(urgent), false / len(calm)
    with capsys.disabled():
        print(f"\nsafety rules: recall={recall:.3f} ({caught}/{len(urgent)}) "
              f"false_trigger_rate={false_rate:.3f} ({false}/{len(calm)})")
    assert recall == 1.0
    assert false_rate == 0.0


# ---- behaviour the brief names ------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "no fever", "I don't have back pain", "my legs are not numb", "without any chest pain",
    "never had seizures", "she has no temperature", "he isn't confused",
    "i dont have a fever or chest pain",
])
def test_negation(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize("text,condition", [
    ("no fever and i cant walk", "spinal_cord_compression"),
    ("i have no fever but i have chest pain", "chest_pain"),
    ("she has no fever and doesn't recognise me", "brain_pressure"),
])
def test_negation_does_not_reach_the_next_clause(text: str, condition: str) -> None:
    flag = detect(text)
    assert flag is not None and flag.condition == condition


def test_crisis_wins_over_emergency() -> None:
    flag = detect("i'm coughing up blood and i want to kill myself")
    assert flag == SafetyFlag("crisis", "self_harm", flag.phrase if flag else "")


@pytest.mark.parametrize("text", [
    "this back pain is killing me, is it the bone mets?",
    "i hurt myself when i fell over", "i don't want to die, what are my options",
    "i cut myself cooking",
])
def test_not_crisis(text: str) -> None:
    flag = detect(text)
    assert flag is None or flag.topic != "crisis"


def test_flag_is_frozen() -> None:
    flag = detect("chest pain")
    assert flag is not None
    with pytest.raises(AttributeError):
        flag.topic = "x"  # type: ignore[misc]


# ---- assess(): the classifier as a second opinion --------------------------------------


def test_classifier_emergency_counts_above_threshold() -> None:
    text = "something is really wrong with my mum please help"
    assert detect(text) is None
    flag = assess(text, "emergency", safety.EMERGENCY_THRESHOLD + 0.01)
    assert flag is not None and flag.topic == "emergency" and flag.condition == "unspecified"
    assert assess(text, "emergency", safety.EMERGENCY_THRESHOLD - 0.01) is None


def test_classifier_emergency_on_an_educational_question_is_ignored() -> None:
    for text in ("what are the warning signs of hypercalcaemia?",
                 "can i get spinal cord compression from prostate cancer",
                 "why do people with brain mets get headaches"):
        assert assess(text, "emergency", 0.99) is None, text


def test_classifier_crisis_counts_even_on_a_question() -> None:
    flag = assess("is there any point carrying on with all this", "crisis", 0.8)
    assert flag is not None and flag.topic == "crisis"


def test_rules_win_over_the_classifier() -> None:
    flag = assess("my dad collapsed and isn't responding", "greet", 0.99)
    assert flag is not None and flag.condition == "fainting"
    flag = assess("i want to end my life", "emergency", 0.99)
    assert flag is not None and flag.topic == "crisis"


@pytest.mark.parametrize("text,intent", [
    ("my legs are not numb, just tired", "emergency"),
    ("i'm not suicidal, just scared about my scan results", "crisis"),
    ("She doesn't have a temperature and isn't confused anymore", "emergency"),
    ("i had a seizure years ago when i was first diagnosed, none since", "emergency"),
    ("the nurse told me to ring if i ever get chest pain", "emergency"),
])
def test_classifier_is_overruled_when_the_rules_read_a_denial(text: str, intent: str) -> None:
    """The rules saw the red-flag words and read them as not happening now."""
    assert assess(text, intent, 0.99) is None


def test_a_denial_does_not_hide_everything_else() -> None:
    busy = "no chest pain but i feel awful, my heart is racing and i'm sweating and shaking all over"
    flag = assess(busy, "emergency", 0.9)
    assert flag is not None and flag.topic == "emergency"
    flag = assess("no fever, but i feel so hopeless", "crisis", 0.9)  # an emergency denial
    assert flag is not None and flag.topic == "crisis"


@pytest.mark.parametrize("confidence", [float("nan"), None, "high", -1.0])
def test_assess_tolerates_odd_confidences(confidence: object) -> None:
    assert assess("hello there", "emergency", confidence) is None  # type: ignore[arg-type]


# ---- robustness and speed -------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "", " ", "\n\n\t", "\x00\x01\x02\x7f", "\ud800 lone surrogate", "😱😱😱", "🙂 chest pain",
    "x" * 10_000, "我胸口很痛", "أشعر بألم في صدري", "me duele mucho el pecho",
    "<script>alert(1)</script>", "'; DROP TABLE answers; --", "{{7*7}}", "${7*7}",
    "no " * 3000, "if " * 3000, ". . . . ,,,, ???", "can't" * 500,
])
def test_odd_inputs_never_raise(text: str) -> None:
    result = detect(text)
    assert result is None or isinstance(result, SafetyFlag)


def test_non_string_input_never_raises() -> None:
    assert detect(None) is None  # type: ignore[arg-type]
    assert detect(12345) is None  # type: ignore[arg-type]


def test_red_flag_at_the_end_of_a_long_message() -> None:
    text = "my mum has been on treatment for a while and we are coping. " * 120
    flag = detect(text + "but tonight she cant breathe")
    assert flag is not None and flag.condition == "breathing"


def test_fast_enough() -> None:
    """< 5 ms per message (median over the tables, after warm-up)."""
    safety.warm_up()
    timings = []
    for message, _ in EMERGENCY_ROWS + ADVICE_ROWS:
        start = time.perf_counter()
        detect(message)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.005
    assert max(timings) < 0.05
    start = time.perf_counter()
    detect("i am worried about my dad and his treatment. " * 220)  # ~10,000 characters
    assert time.perf_counter() - start < 0.25


def test_pure_function_of_the_text() -> None:
    for message, _ in EMERGENCY_ROWS[:20]:
        assert detect(message) == detect(message)


# ---- Hypothesis: never raises, always None or a SafetyFlag ----------------------------

WORDS = [
    "i", "my", "mum", "he", "not", "no", "never", "if", "get", "can't", "cant", "what", "why",
    "cause", "chest", "pain", "back", "legs", "numb", "weak", "walk", "breathe", "blood",
    "coughing", "up", "fever", "temp", "39", "confused", "thirsty", "throwing", "face",
    "swollen", "seizure", "fainted", "kill", "myself", "want", "to", "die", "years", "ago",
    "went", "away", ",", ".", "?", "and", "but", "or", "since", "now", "this", "morning",
    "spinal", "cord", "compression", "think", "have", "is", "the", "of", "symptoms", "😱",
    "\n", "-", "'", "'s", "n't",
]


def _check(text: str) -> None:
    result = detect(text)
    assert result is None or isinstance(result, SafetyFlag)
    if result is not None:
        assert result.topic in URGENT
        assert result.condition in CONDITIONS | {"self_harm"}
        assert isinstance(result.phrase, str)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_hypothesis_any_text(text: str) -> None:
    _check(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(exclude_categories=()), min_size=0, max_size=10_000))
def test_hypothesis_any_text_with_control_chars_and_surrogates(text: str) -> None:
    _check(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_hypothesis_binary_junk(blob: bytes) -> None:
    _check(blob.decode("utf-8", errors="surrogateescape"))
    _check(blob.decode("latin-1"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_hypothesis_symptom_word_salad(words: List[str]) -> None:
    """Random mixes of the very words the rules look at: every code path, no crash."""
    _check(" ".join(words))
    _check("".join(words))
