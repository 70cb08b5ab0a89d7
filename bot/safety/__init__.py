"""The safety layer: red-flag symptoms and self-harm wording in one message.

Why rules and not only the intent classifier: a classifier trained on a few hundred
examples misses typos, caregiver voice and long worried messages, and a miss here can
cost a life. The rules run on every message, before and regardless of the classifier.

The rules are reviewed data (data/safety/*.yml: words, rules, typos, conditions), checked
when loaded (data.py). The engine: patterns.py (pattern language -> spaCy Matcher),
clauses.py (sentences, clauses, and negation, past, over or now), reader.py (questions,
hypotheticals, who is at risk), engine.py (the decision). When the
rules find nothing, a second net reads the message's meaning (semantic.py: a sentence
embedding and a regression trained on the team's labelled messages). Nothing is loaded at
import; call warm_up() at start (the action server does) or the first message builds it.
Figures and how to add a red flag: docs/safety.md.
"""

from __future__ import annotations

import logging
import math
from typing import Optional, Sequence

from bot.nlp import sentences
from bot.safety import semantic
from bot.safety.data import Condition, SafetyDataError
from bot.safety.engine import CRISIS, EMERGENCY, SELF_HARM, UNSPECIFIED, Reading, SafetyFlag, get_engine, safe_read
from bot.vocabulary import COPING_TOPIC, EDUCATION_TOPICS

#: Used only when the second net is off (examples.yml not approved, or it failed): a
#: classifier "emergency" or "crisis" this sure counts when no rule fired (unless the
#: message is clearly an educational question, or the rules read its red-flag words as
#: denied). Why not always: on a held-out round it added 5 false alarms ("dying of
#: boredom", "I'm not going to do anything stupid") and no catch the net had not made.
EMERGENCY_THRESHOLD = 0.7
CRISIS_THRESHOLD = 0.7
#: The second net reads messages of at least this many words ("hi", "thank you" are not
#: worth an embedding; short urgent words are the rules' job).
NET_MIN_WORDS = 3
#: A crisis the net alone is less sure of than CRISIS_OVER_QUESTION does not outweigh a
#: question the classifier is at least QUESTION_CONFIDENCE sure is about a topic (not
#: support, advice, scope or safety): "We just got back from the hospital and I'm still
#: shaking... What does it mean when it spreads to the brain?" read 0.71 as crisis. On the
#: ten red-flag rounds and six question sets this removed 3 false crisis replies and no
#: catch (docs/safety.md, "Round 11").
QUESTION_CONFIDENCE = 0.8
CRISIS_OVER_QUESTION = 0.8


def warm_up() -> None:
    """Load and check the data, build the matcher and the second net now (e.g. at
    action-server start) rather than on the first message. Raises SafetyDataError if a
    data file is wrong."""
    engine = get_engine()
    semantic.get_net(engine.data.conditions)


def condition(key: str) -> Condition:
    """The opening, time_critical flag and sources of a condition key a flag can carry
    (every rule condition, plus "self_harm" and "unspecified"). KeyError if unknown."""
    return get_engine().data.conditions[key]


def conditions() -> Sequence[str]:
    """Every condition key, most time-critical first (the order of conditions.yml)."""
    return list(get_engine().data.conditions)


def detect(text: str) -> Optional[SafetyFlag]:
    """Rule layer only. Pure function of the text; never raises. Crisis wins over emergency."""
    return safe_read(text).flag


def is_educational(text: str) -> bool:
    """A question about a symptom, with no real person in it ("what causes cord
    compression?", "can I get chest pain from lung mets?"). Used to overrule a classifier
    "emergency" that the rules did not confirm."""
    try:
        return get_engine().is_educational(text if isinstance(text, str) else str(text or ""))
    except Exception:
        logging.getLogger(__name__).exception("is_educational failed")
        return False


def _someone_else(text: str) -> bool:
    try:
        return get_engine().someone_else(text if isinstance(text, str) else str(text or ""))
    except Exception:
        logging.getLogger(__name__).exception("someone_else failed")
        return False


def _asks_a_topic(intent: Optional[str], confidence: float) -> bool:
    """The classifier is sure the message asks about an education topic other than coping."""
    try:
        return intent in EDUCATION_TOPICS and intent != COPING_TOPIC \
            and float(confidence) >= QUESTION_CONFIDENCE
    except (TypeError, ValueError):
        return False


def _second_net(text: str, reading: Reading, intent: Optional[str] = None,
                confidence: float = 0.0) -> Optional[SafetyFlag]:
    """The net's flag for a message the rules found nothing in. Raises when the net is off
    or broken, so that assess() falls back to the classifier's opinion. A question about a
    symptom with no person in it is education, unless it says more than the question and the
    net is sure it is a crisis ("looked up how much paracetamol it takes tonight. dont see a
    way out", round 35); a one-sentence question costs no embedding."""
    engine = get_engine()
    net = semantic.get_net(engine.data.conditions)
    if net is None:
        raise LookupError("second net off")
    educational = is_educational(text)
    if len(text.split()) < NET_MIN_WORDS or (educational and len(sentences.split(text)) < 2):
        return None  # one plain question: no embedding spent (most turns)
    verdict = net.judge(text, denied=bool(reading.denied))
    if verdict.topic is None or verdict.topic in reading.dismissed:
        return None
    if educational and (verdict.topic == EMERGENCY or verdict.probability < CRISIS_OVER_QUESTION):
        return None
    if (verdict.topic == CRISIS and verdict.probability < CRISIS_OVER_QUESTION
            and _asks_a_topic(intent, confidence)):
        return None
    # The rules read this message's red-flag words as denied ("no chest pain but ..."): the
    # reply must not open by naming one of them.
    condition = SELF_HARM if verdict.topic == CRISIS else \
        UNSPECIFIED if EMERGENCY in reading.denied else verdict.condition
    return SafetyFlag(verdict.topic, condition, f"net@{verdict.probability:.2f}: like "
                      f"{verdict.nearest!r}", _someone_else(text))


def assess(text: str, intent: Optional[str], confidence: float) -> Optional[SafetyFlag]:
    """The whole safety decision for one message: detect() wins; otherwise the second net
    (semantic.py) decides. Only when the net is off does a classifier intent of
    "emergency"/"crisis" with confidence >= its threshold count, unless the message is
    clearly an educational question about a symptom, or the rules read the very red-flag
    words the classifier reacted to and found them denied or not happening now, in an
    otherwise short message ("I'm not suicidal, just scared")."""
    reading = safe_read(text)
    if reading.flag is not None:
        return reading.flag
    try:
        return _second_net(text if isinstance(text, str) else str(text or ""), reading,
                           intent, confidence)
    except Exception as error:  # the net must never silence the layer: fall back
        if not isinstance(error, LookupError):
            logging.getLogger(__name__).exception("second net failed; using the classifier")
    if intent in reading.dismissed:  # "my legs are not numb, just tired"
        return None
    try:
        conf = float(confidence)
    except (TypeError, ValueError):
        conf = 0.0
    if math.isnan(conf):
        conf = 0.0
    label = f"intent:{intent}@{conf:.2f}"
    if intent == CRISIS and conf >= CRISIS_THRESHOLD:
        return SafetyFlag(CRISIS, SELF_HARM, label, _someone_else(text))
    if intent == EMERGENCY and conf >= EMERGENCY_THRESHOLD and not is_educational(text):
        return SafetyFlag(EMERGENCY, UNSPECIFIED, label, _someone_else(text))
    return None


__all__: Sequence[str] = [
    "SafetyFlag", "Condition", "SafetyDataError", "detect", "assess", "is_educational",
    "warm_up", "condition", "conditions", "EMERGENCY", "CRISIS", "EMERGENCY_THRESHOLD", "CRISIS_THRESHOLD",
]
