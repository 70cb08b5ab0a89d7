"""The safety layer: red-flag symptoms and self-harm wording in one message.

Why rules and not only the intent classifier: a classifier trained on a few hundred
examples misses typos, caregiver voice and long worried messages, and a miss here can
cost a life. The rules run on every message, before and regardless of the classifier.

The rules are reviewed data (data/safety/*.yml: words, rules, typos, conditions), checked
when loaded (data.py). The engine: patterns.py (pattern language -> spaCy Matcher),
reader.py (negation, past, questions, who is at risk), engine.py (the decision). Nothing
is loaded at import; call warm_up() at start (the action server does) or the first
message builds it. Figures and how to add a red flag: docs/safety.md.
"""

from __future__ import annotations

import logging
import math
from typing import Optional, Sequence

from bot.safety.data import Condition, SafetyDataError
from bot.safety.engine import CRISIS, EMERGENCY, SELF_HARM, UNSPECIFIED, SafetyFlag, get_engine, safe_read

#: A classifier "emergency" or "crisis" this sure counts even when no rule fired (unless
#: the message is clearly an educational question, or the rules read its red-flag words
#: as denied). Measured on the red-team tables and 180 extra look-alikes (Nov 2026 model):
#: the classifier alone found 48 of 61 urgent rows, 10 of them below 0.8; its false alarms
#: on calm messages spread from 0.5 to 0.99, with a cluster of "can't ..." / "don't ..."
#: sentences read as crisis between 0.5 and 0.7. 0.7 keeps the net, drops that cluster.
EMERGENCY_THRESHOLD = 0.7
CRISIS_THRESHOLD = 0.7


def warm_up() -> None:
    """Load and check the data and build the matcher now (e.g. at action-server start)
    rather than on the first message. Raises SafetyDataError if a data file is wrong."""
    get_engine()


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


def assess(text: str, intent: Optional[str], confidence: float) -> Optional[SafetyFlag]:
    """The whole safety decision for one message: detect() wins; otherwise a classifier
    intent of "emergency"/"crisis" with confidence >= its threshold counts, unless the
    message is clearly an educational question about a symptom, or the rules read the
    very red-flag words the classifier reacted to and found them denied or not happening
    now, in an otherwise short message ("I'm not suicidal, just scared")."""
    reading = safe_read(text)
    if reading.flag is not None:
        return reading.flag
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
