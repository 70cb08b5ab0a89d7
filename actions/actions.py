"""The one custom action: every user turn is answered by `action_respond`.

Why one action: the safety layer must run on every message and win, and every turn must
end with the notice and set the contract's slots. With a single entry point no rule or
story can route around them. The decisions live in `bot/dialogue.py`; this file only
adapts Rasa's tracker and dispatcher to them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.content.lookup import default_index
from bot.context import turn_from_message
from bot.dialogue import route
from bot.messages import DATABASE_DOWN, LONG_MESSAGE, SOMETHING_WENT_WRONG
from bot.notice import NOTICE
from bot.replies import Reply, render
from bot.settings import settings
from bot.turn_log import log_turn

logger = logging.getLogger(__name__)

CONTRACT_SLOTS = ("topic", "site", "cancer_type", "answer_id")
# Our widget sets this key in a socket.io message's metadata to get the meta message;
# other clients (rasa-webchat...) do not know that message, so they never get it.
META_REQUEST = "reply_meta"


class ActionRespond(Action):
    """Safety first, then the routed answer, then one message that ends with the notice."""

    def name(self) -> str:
        return "action_respond"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        turn = turn_from_message(
            tracker.latest_message or {},
            previous={name: tracker.get_slot(name) for name in CONTRACT_SLOTS},
            channel=tracker.get_latest_input_channel() or "",
        )
        started = time.perf_counter()
        try:
            reply = route(turn, default_index())
        except SQLAlchemyError:
            logger.exception("content database unreachable")
            reply = Reply(DATABASE_DOWN, None, turn.site(), turn.cancer_type())
        except Exception:  # a patient gets a kind answer, the log gets the details
            logger.exception("action_respond failed")
            reply = Reply(SOMETHING_WENT_WRONG, None, turn.site(), turn.cancer_type())
        if turn.truncated:
            preface = "\n\n".join(p for p in (LONG_MESSAGE, reply.preface) if p)
            reply = replace(reply, preface=preface)
        log_turn(tracker.sender_id, turn, reply, (time.perf_counter() - started) * 1000)
        return send(dispatcher, reply, meta=wants_meta(turn.channel, tracker.latest_message or {}))


def wants_meta(channel: str, message: Dict[str, Any]) -> bool:
    """Only a socket.io client that asked for it (our widget) gets the meta message."""
    metadata = message.get("metadata")
    return channel == "socketio" and isinstance(metadata, dict) and metadata.get(META_REQUEST) is True


def send(dispatcher: CollectingDispatcher, reply: Reply, meta: bool = False) -> List[EventType]:
    """Utter the reply (with the notice) and set the contract's slots."""
    if meta:  # the widget highlights urgent replies and styles the notice
        # Rasa's socket.io channel emits a custom message's keys as emit() arguments:
        # "data" is the payload the browser receives ({"meta": {...}}).
        dispatcher.utter_message(json_message={"data": {"meta": {
            "topic": reply.topic, "urgency": reply.urgency, "answer_id": reply.answer_id,
            "notice": NOTICE, "region": settings().region,
        }}})
    dispatcher.utter_message(
        text=render(reply),
        buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
    )
    return [SlotSet(name, value) for name, value in reply.slots().items()]
