"""Greetings, thanks, goodbyes and "are you a robot?": vetted text, but not an answer."""

from __future__ import annotations

from actions.turn import TurnAction, clarify_reply
from bot.content.lookup import AnswerIndex
from bot.context import Turn
from bot.replies import Reply, from_answer


class ActionSmallTalk(TurnAction):
    """Small talk resets `topic` and `answer_id` (contract section 2) and keeps context."""

    action_name = "action_smalltalk"

    def compose(self, turn: Turn, index: AnswerIndex) -> Reply:
        answer = index.best(turn.intent or "greet")
        if answer is None:
            return clarify_reply(turn, index, ("what_is_metastasis", "symptoms", "treatment"))
        return from_answer(answer, None, turn.previous.get("site"),
                           turn.previous.get("cancer_type"), counts_as_answer=False,
                           with_sources=False)
