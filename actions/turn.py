"""The base of every action that answers a user turn.

Why one base: the safety layer must run on every message and win over every other path,
and every turn must end with the notice and set the contract's slots. Doing both here,
once, means no action can forget them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.content.lookup import AnswerIndex, default_index
from bot.context import Turn, turn_from_message
from bot.nlp import safety
from bot.notice import NOTICE
from bot.replies import (
    DATABASE_DOWN,
    DEFAULT_CHOICES,
    ENGLISH_ONLY,
    LONG_MESSAGE,
    SOMETHING_WENT_WRONG,
    Reply,
    choice_buttons,
    from_answer,
    render,
)
from bot.text import letter_share

logger = logging.getLogger(__name__)

CONTRACT_SLOTS = ("topic", "site", "cancer_type", "answer_id")


class TurnAction(Action):
    """Safety first, then the subclass's answer, then one rendered message with the notice."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    def compose(self, turn: Turn, index: AnswerIndex) -> Reply:
        """The reply for this turn when no safety path applies. Subclasses implement it."""
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        turn = turn_from_message(
            tracker.latest_message or {},
            previous={name: tracker.get_slot(name) for name in CONTRACT_SLOTS},
            channel=tracker.get_latest_input_channel() or "",
        )
        try:
            index = default_index()
            reply = guarded_reply(turn, index) or self.compose(turn, index)
        except SQLAlchemyError:
            logger.exception("content database unreachable")
            reply = Reply(DATABASE_DOWN, topic=None, site=turn.site(),
                          cancer_type=turn.cancer_type())
        except Exception:  # a patient gets a kind answer, the log gets the details
            logger.exception("action %s failed", self.name())
            reply = Reply(SOMETHING_WENT_WRONG, topic=None, site=turn.site(),
                          cancer_type=turn.cancer_type())
        if turn.truncated:
            reply = replace(reply, preface=LONG_MESSAGE)
        return send(dispatcher, reply, turn.channel)


def guarded_reply(turn: Turn, index: AnswerIndex) -> Optional[Reply]:
    """The paths that win over the classifier: emergency, crisis, empty or foreign text."""
    flag = safety.assess(turn.text, turn.intent, turn.confidence)
    if flag is not None:
        return safety_reply(flag.topic, turn, index)
    if not turn.text or not any(c.isalnum() for c in turn.text):
        return clarify_reply(turn, index, DEFAULT_CHOICES)
    if letter_share(turn.text) < 0.5:
        answer = index.best("out_of_scope")
        return answer and from_answer(answer, "out_of_scope", None, None, preface=ENGLISH_ONLY)
    return None


def safety_reply(topic: str, turn: Turn, index: AnswerIndex) -> Optional[Reply]:
    """Emergency or crisis: the urgent answer, highlighted; crisis offers no buttons."""
    answer = index.best(topic, turn.site(), turn.cancer_type())
    if answer is None:
        return None
    return from_answer(answer, topic, turn.site(), turn.cancer_type(), urgency=topic,
                       buttons=() if topic == "crisis" else None)


def clarify_reply(turn: Turn, index: AnswerIndex, topics: Any) -> Optional[Reply]:
    """Ask which topic was meant, offering 2 to 4 likely ones as buttons."""
    answer = index.best("clarify")
    if answer is None:
        return None
    site, cancer_type = turn.site(), turn.cancer_type()
    return from_answer(answer, "clarify", site, cancer_type,
                       buttons=choice_buttons(list(topics)[:4], site, cancer_type),
                       with_sources=False)


def send(dispatcher: CollectingDispatcher, reply: Reply, channel: str) -> List[EventType]:
    """Utter the reply (with the notice) and set the contract's slots."""
    if channel == "socketio":  # the widget styles urgent replies and the notice from this
        dispatcher.utter_message(json_message={"meta": {
            "topic": reply.topic, "urgency": reply.urgency, "answer_id": reply.answer_id,
            "notice": NOTICE,
        }})
    dispatcher.utter_message(
        text=render(reply),
        buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
    )
    return [SlotSet(name, value) for name, value in reply.slots().items()]
