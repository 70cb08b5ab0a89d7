"""What to say to one user turn: the routing every reply goes through.

Order matters and is the point of this module:
1. the safety layer (red flags, crisis wording) wins over everything;
2. empty, symbol-only or non-English text gets a kind, fixed path;
3. the classifier's intent picks an education answer, a safety answer (personal advice,
   out of scope), small talk or a clarifying question.
Pure functions over `Turn` and `AnswerIndex`, so they are tested without Rasa.
"""

from __future__ import annotations

import logging
from typing import List, Optional, Sequence

from bot import safety
from bot.content.lookup import AnswerIndex
from bot.context import Turn
from bot.messages import ENGLISH_ONLY
from bot.replies import Reply, choice_buttons, from_answer
from bot.text import looks_non_english
from bot.urgent import compose
from bot.vocabulary import (
    DEFAULT_CHOICES,
    EDUCATION_TOPICS,
    PLACE_ONLY_CHOICES,
    SIGNS_TOPIC,
    SMALLTALK_KEYS,
)

logger = logging.getLogger(__name__)

MAX_CHOICES = 3


def route(turn: Turn, index: AnswerIndex) -> Reply:
    """The reply for one turn. Raises SQLAlchemyError when the database is unreachable."""
    reply = guarded_reply(turn, index)
    if reply is not None:
        return reply
    intent = turn.intent
    if intent == "follow_up" and not (turn.sites or turn.cancer_types):
        intent = None  # "follow-up" with nothing to follow: not a confident guess
    if intent in EDUCATION_TOPICS or intent == "follow_up":
        return answer(turn, index, intent)
    if intent in ("personal_advice", "out_of_scope"):
        return scoped_answer(turn, index, intent)
    if intent in ("emergency", "crisis"):
        # The safety layer judged this to be a question about a symptom: education.
        return answer(turn, index, SIGNS_TOPIC)
    if intent in SMALLTALK_KEYS:
        return small_talk(turn, index, intent)
    return clarify(turn, index, likely_topics(turn))


def guarded_reply(turn: Turn, index: AnswerIndex) -> Optional[Reply]:
    """The paths that win over the classifier: emergency, crisis, empty or foreign text."""
    flag = safety.assess(turn.text, turn.intent, turn.confidence)
    if flag is not None:
        logger.info("safety layer: %s (%s)", flag.topic, flag.condition)
        found = index.best(flag.topic, turn.site(), turn.cancer_type())
        if found is None:  # never let a missing entry route an emergency to the classifier
            raise LookupError(f"no approved {flag.topic} entry")
        return compose(flag, safety.condition(flag.condition), found, turn.site(),
                       turn.cancer_type())
    if not any(c.isalnum() for c in turn.text):
        return clarify(turn, index, DEFAULT_CHOICES)
    if looks_non_english(turn.text):
        return scoped_answer(turn, index, "out_of_scope", preface=ENGLISH_ONLY)
    return None


def answer(turn: Turn, index: AnswerIndex, intent: str) -> Reply:
    """An education answer; a follow-up ("and the liver?") reuses the previous topic."""
    topic = turn.previous.get("topic") if intent == "follow_up" else intent
    if topic not in EDUCATION_TOPICS:
        return clarify(turn, index, PLACE_ONLY_CHOICES)
    site, cancer_type = turn.site(), turn.cancer_type()
    found = index.best(topic, site, cancer_type)
    if found is None:
        return clarify(turn, index, PLACE_ONLY_CHOICES)
    return from_answer(found, topic, site, cancer_type, preface=cancer_note(turn, index))


def cancer_note(turn: Turn, index: AnswerIndex) -> Optional[str]:
    """The vetted note for a cancer named without answers of its own ("skin cancer")."""
    notes = [index.by_id(f"cancer_note.{name}") for name in turn.notes]
    return "\n\n".join(n.text for n in notes if n is not None) or None


def scoped_answer(turn: Turn, index: AnswerIndex, topic: str,
                  preface: Optional[str] = None) -> Reply:
    """Personal advice keeps the conversation's site and type; out of scope drops them."""
    site, cancer_type = (turn.site(), turn.cancer_type()) if topic == "personal_advice" else (None, None)
    found = index.best(topic, site, cancer_type)
    if found is None:
        return clarify(turn, index, DEFAULT_CHOICES)
    return from_answer(found, topic, site, cancer_type, preface=preface)


def small_talk(turn: Turn, index: AnswerIndex, key: str) -> Reply:
    """Vetted text, but not an answer: `topic` and `answer_id` reset (contract section 2)."""
    found = index.best(key)
    if found is None:
        return clarify(turn, index, DEFAULT_CHOICES)
    return from_answer(found, None, turn.previous.get("site"), turn.previous.get("cancer_type"),
                       counts_as_answer=False, with_sources=False)


def likely_topics(turn: Turn) -> List[str]:
    """The classifier's best education guesses, padded with common topics to at least two."""
    topics = [name for name, _ in turn.ranking if name in EDUCATION_TOPICS][:MAX_CHOICES]
    for extra in DEFAULT_CHOICES:
        if len(topics) >= 2:
            break
        if extra not in topics:
            topics.append(extra)
    return topics


def clarify(turn: Turn, index: AnswerIndex, topics: Sequence[str]) -> Reply:
    """Ask which topic was meant, offering 2 to 4 likely ones as buttons (topic `clarify`)."""
    site, cancer_type = turn.site(), turn.cancer_type()
    buttons = choice_buttons(list(topics)[:4], site, cancer_type)
    found = index.best("clarify")
    if found is None:  # never without a reply: the buttons alone still help
        return Reply("Which of these is closest to what you want to know?", "clarify", site,
                     cancer_type, buttons=buttons)
    return from_answer(found, "clarify", site, cancer_type, buttons=buttons, with_sources=False,
                       preface=cancer_note(turn, index))
