"""Urgent and crisis replies: name the danger, say who to call, then what to watch for.

Why a module of its own: these are the replies that matter most, and their order is the
point. The wording lives in data (the condition's opening in data/safety/, the call and
carer lines in data/safety/urgent_replies.yml, the lists in data/content/); this module
only puts the pieces in order. Numbers are placeholders, filled for BOT_REGION when the
reply is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Tuple

from bot.content.loader import SourceRef
from bot.content.lookup import ServedAnswer
from bot.paths import SAFETY_DIR
from bot.replies import Reply, from_answer
from bot.reviewed import load_reviewed
from bot.safety import Condition, SafetyFlag

URGENT_REPLIES = SAFETY_DIR / "urgent_replies.yml"


class UrgentReplyError(ValueError):
    """data/safety/urgent_replies.yml breaks a rule; the message names the file and key."""


@dataclass(frozen=True)
class Lines:
    """The call and carer lines of urgent_replies.yml."""

    call_time_critical: str
    call_urgent: str
    carer_emergency: str
    carer_crisis: str


@lru_cache(maxsize=None)
def lines(path: Path = URGENT_REPLIES) -> Lines:
    """The reviewed lines, validated: approved, dated, every key present."""
    raw = load_reviewed(path, UrgentReplyError)
    wanted = {("call", "time_critical"), ("call", "urgent"), ("carer", "emergency"),
              ("carer", "crisis")}
    values = {}
    for group, key in sorted(wanted):
        value = (raw.get(group) or {}).get(key)
        if not isinstance(value, str) or not value.strip():
            raise UrgentReplyError(f"{path}: {group}.{key} is missing")
        values[f"{group}_{key}"] = value.strip()
    return Lines(**values)


def _merged_sources(entry: ServedAnswer, condition: Condition) -> Tuple[SourceRef, ...]:
    """The condition's sources first (they support the opening), then the entry's."""
    refs = [SourceRef(title, url) for title, url in condition.sources] + list(entry.sources)
    seen, out = set(), []
    for ref in refs:
        if ref.url not in seen:
            seen.add(ref.url)
            out.append(ref)
    return tuple(out)


def compose(flag: SafetyFlag, condition: Condition, entry: ServedAnswer, site: Optional[str],
            cancer_type: Optional[str]) -> Reply:
    """The urgent or crisis reply for `flag`, around the general `entry` for its topic."""
    text = lines()
    opening = (flag.someone_else and condition.opening_someone_else) or condition.opening
    if flag.topic == "crisis":  # a carer gets lines for them, not words for the person at risk
        parts = [opening, text.carer_crisis if flag.someone_else else entry.text]
    else:
        call = text.call_time_critical if condition.time_critical else text.call_urgent
        parts = [opening, call, text.carer_emergency if flag.someone_else else "", entry.text]
    body = "\n\n".join(p.strip() for p in parts if p and p.strip())
    composed = ServedAnswer(
        id=entry.id, topic=entry.topic, site=entry.site, cancer_type=entry.cancer_type,
        text=body, sources=_merged_sources(entry, condition), follow_ups=entry.follow_ups,
        reviewed_by=entry.reviewed_by, reviewed_on=entry.reviewed_on, version=entry.version,
    )
    return from_answer(composed, flag.topic, site, cancer_type, urgency=flag.topic,
                       buttons=() if flag.topic == "crisis" else None,
                       safety_condition=flag.condition)
