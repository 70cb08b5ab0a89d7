"""What lies outside metastasis education, read from the words of a turn.

Why a module of its own: the classifier reads "how to diagnose ovarian cancer" or "is
shingles contagious?" after a story about chemo as a topic it knows; these readings of
the words say the question is about a first cancer or another illness, and bot/dialogue.py
then gives the scoped reply instead of a metastasis answer dressed up as the answer.
"""

from __future__ import annotations

from typing import Optional, Sequence

from bot.context import Turn
from bot.nlp import entities
from bot.nlp.sentences import last_question
from bot.vocabulary import (
    AFTER_EFFECTS_TOPICS,
    EARLY_CANCER_TOPICS,
    FIRST_CANCER_TOPICS,
    FIRST_SIGNS_TOPICS,
    asks_about_after_effects_of_a_first_cancer,
    asks_about_an_early_first_cancer,
    asks_about_finding_a_first_cancer,
    asks_cause_of_a_first_cancer,
    names_other_illness,
    names_spread,
    terms_in,
)


def about_another_illness(turn: Turn) -> bool:
    """The message names another illness and no cancer, place or medical word of spread
    ("treatment for diabetes"), or its question does ("she finished chemo for breast cancer
    and now has shingles. Is shingles contagious?")."""
    if names_other_illness(turn.text) and not (turn.sites or turn.cancer_types or turn.terms):
        return True
    question = last_question(turn.text)
    return (question != turn.text and names_other_illness(question) and not entities.read(question)
            and not names_spread(question) and not terms_in(question))


#: The classifier found no topic, or called the message out of scope: a reading of the
#: words ("a first cancer's cause", "which one should he pick") then stands.
NO_TOPIC = (None, "nlu_fallback", "out_of_scope")


def about_a_first_cancer(turn: Turn, intent: Optional[str]) -> bool:
    """A question about a first cancer, not its spread: its cause ("what causes cervical
    cancer"), the after-effects of treating it ("will I lose my hair on chemo"), an early
    stage ("treatments for early prostate cancer") or finding it ("early signs of ovarian
    cancer", "how to diagnose ovarian cancer"). Only against the topics each is mistaken for."""
    if turn.sites:
        return False
    named = bool(turn.cancer_types)

    def fits(topics: Sequence[Optional[str]]) -> bool:
        return intent in topics or intent in NO_TOPIC

    return bool(
        (fits(FIRST_CANCER_TOPICS) and named and asks_cause_of_a_first_cancer(turn.text))
        or (fits(AFTER_EFFECTS_TOPICS) and asks_about_after_effects_of_a_first_cancer(turn.text))
        or (fits(EARLY_CANCER_TOPICS) and named and asks_about_an_early_first_cancer(turn.text))
        or (fits(FIRST_SIGNS_TOPICS) and asks_about_finding_a_first_cancer(turn.text, named)))
