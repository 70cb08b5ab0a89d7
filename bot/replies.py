"""Turn a vetted answer into the message a person reads, and close it with the notice.

`render` is the only place a reply's text is assembled: answer, sources, review line,
then `with_notice`. Button labels live in bot/vocabulary.py, payload syntax in
bot/payloads.py, fixed interface messages in bot/messages.py, medical content in
data/content/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from bot.content.lookup import ServedAnswer
from bot.content.placeholders import expand
from bot.notice import with_notice
from bot.payloads import payload
from bot.settings import settings
from bot.vocabulary import EDUCATION_TOPIC_LABELS


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """Everything one bot turn says and the slots it sets."""

    text: str
    topic: Optional[str]
    site: Optional[str] = None
    cancer_type: Optional[str] = None
    answer_id: Optional[str] = None
    buttons: Tuple[Button, ...] = field(default_factory=tuple)
    urgency: Optional[str] = None  # "emergency" or "crisis": the widget highlights it
    preface: Optional[str] = None  # a short interface note put before the text
    answer_version: Optional[int] = None  # for the turn's log line (bot/turn_log.py)
    safety_condition: Optional[str] = None  # the red-flag condition of an urgent reply

    def slots(self) -> Dict[str, Optional[str]]:
        return {"topic": self.topic, "site": self.site, "cancer_type": self.cancer_type,
                "answer_id": self.answer_id}


def follow_up_buttons(answer: ServedAnswer) -> Tuple[Button, ...]:
    return tuple(Button(f.title, payload(f.topic, f.site, f.cancer_type))
                 for f in answer.follow_ups)


def choice_buttons(topics: Sequence[str], site: Optional[str] = None,
                   cancer_type: Optional[str] = None) -> Tuple[Button, ...]:
    """Buttons for a clarifying question: one per likely topic, keeping what was said."""
    return tuple(Button(EDUCATION_TOPIC_LABELS[t], payload(t, site, cancer_type))
                 for t in topics if t in EDUCATION_TOPIC_LABELS)


def sources_block(answer: ServedAnswer) -> str:
    """The cited sources as a markdown list of links, then the review status and date."""
    links = "\n".join(f"- [{s.title}]({s.url})" for s in answer.sources)
    review = (f"Checked against these sources by the {answer.reviewed_by} on "
              f"{answer.reviewed_on.isoformat()} (version {answer.version}, approved).")
    return f"**Sources:**\n{links}\n\n{review}"


def from_answer(answer: ServedAnswer, topic: Optional[str], site: Optional[str],
                cancer_type: Optional[str], *, counts_as_answer: bool = True,
                buttons: Optional[Tuple[Button, ...]] = None, urgency: Optional[str] = None,
                with_sources: bool = True, preface: Optional[str] = None,
                safety_condition: Optional[str] = None) -> Reply:
    """A reply that serves `answer`; small talk passes counts_as_answer=False, so the
    `answer_id` slot stays null as the contract (section 2) asks."""
    text = f"{answer.text}\n\n{sources_block(answer)}" if with_sources else answer.text
    return Reply(
        text=text, topic=topic, site=site, cancer_type=cancer_type,
        answer_id=answer.id if counts_as_answer else None,
        buttons=follow_up_buttons(answer) if buttons is None else buttons,
        urgency=urgency, preface=preface,
        answer_version=answer.version if counts_as_answer else None,
        safety_condition=safety_condition,
    )


def render(reply: Reply, region: Optional[str] = None) -> str:
    """The final text of the turn: optional note, the reply, and the notice last.

    Help lines and shared lists are filled in here, for `region` (default BOT_REGION)."""
    parts: List[str] = [p for p in (reply.preface, reply.text) if p]
    return with_notice(expand("\n\n".join(parts), region or settings().region))
